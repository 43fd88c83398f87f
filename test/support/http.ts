import { isApiPath, responseProblems } from './openapi-contract.ts';

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

/** A JSON call; `body` as a string is sent verbatim (for malformed JSON). */
export async function call(
  method: string,
  url: string,
  options: { key?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  }
  const res = await fetch(url, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const response = { status: res.status, headers: res.headers, body: parsed, text };
  checkAgainstDocument(method, url, response);
  return response;
}

/**
 * Every answer of the API's own routes must be one the OpenAPI document describes: a mismatch
 * fails the test that made the call (test/support/openapi-contract.ts). HEAD answers have no body to check.
 */
function checkAgainstDocument(method: string, url: string, response: ApiResponse): void {
  // Tests only: the benchmarks (bench/) use call() too, and time what the API costs, not this.
  if (process.env.JEST_WORKER_ID === undefined) return;
  if (method.toUpperCase() === 'HEAD' || !isApiPath(new URL(url).pathname)) return;
  const problems = responseProblems(method, url, response);
  if (problems.length) {
    throw new Error(`The response does not match the OpenAPI document:\n  ${problems.join('\n  ')}\nbody: ${response.text.slice(0, 2_000)}`);
  }
}

/** Polls `read` until `done` holds or the time runs out. */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
