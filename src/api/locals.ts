import type { Scope } from '../domain/api-keys.ts';

/** What the middleware chain learns about a request, kept on `res.locals`. */
export interface ApiKeyIdentity {
  keyId: string;
  orgId: string;
  scopes: Scope[];
}

declare global {
  namespace Express {
    interface Locals {
      requestId: string;
      apiKey: ApiKeyIdentity;
      /** The org and project of the path, once checked to belong to the key's org. */
      tenant: { orgId: string; projectId: string };
      /** The route template of the router this request went into, for the metrics' route label. */
      routeBase?: string;
    }
  }
}
