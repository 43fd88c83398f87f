// swagger-client ships no type declarations; the test uses the small part declared here.
declare module 'swagger-client' {
  interface SwaggerClientOptions {
    url?: string;
    spec?: object;
    authorizations?: Record<string, { value: string } | { username: string; password: string }>;
  }
  interface SwaggerResponse {
    status: number;
    url: string;
    text: string;
    body: unknown;
    headers: Record<string, string>;
  }
  interface SwaggerClientInstance {
    spec: { paths: Record<string, Record<string, { operationId: string }>> };
    execute(request: { operationId: string; parameters?: Record<string, unknown>; requestBody?: unknown }): Promise<SwaggerResponse>;
  }
  function SwaggerClient(options: SwaggerClientOptions): Promise<SwaggerClientInstance>;
  export default SwaggerClient;
}
