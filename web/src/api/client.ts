import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type ScanRun = Schemas['ScanRun'];
export type Finding = Schemas['Finding'];
export type Task = Schemas['Task'];
export type Verification = Schemas['Verification'];
export type Report = Schemas['Report'];

/** The error envelope's message, or a plain one for answers that are not enveloped (429, network). */
export function errorMessage(error: unknown, status?: number): string {
  const e = error as { error?: { message?: unknown; details?: unknown } | string; retry_after?: unknown } | undefined;
  if (e && typeof e.error === 'object' && e.error && typeof e.error.message === 'string') {
    const details = e.error.details;
    const fields =
      details && typeof details === 'object'
        ? Object.entries(details as Record<string, unknown>)
            .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`)
            .join('; ')
        : '';
    return fields ? `${e.error.message} (${fields})` : e.error.message;
  }
  if (status === 429) return `Too many requests: try again in ${typeof e?.retry_after === 'number' ? e.retry_after : 'a few'} seconds.`;
  return status ? `The server answered ${status}.` : 'The server did not answer.';
}

/**
 * The typed client (paths from the OpenAPI document, web/src/api/schema.d.ts). Relative base: the
 * API is this page's origin. The key goes in a header only; any 401 signs the user out.
 */
export function createApi(key: () => string | null, onUnauthorized: () => void) {
  const base = new URL('.', document.baseURI).href.replace(/\/$/, '');
  const client = createClient<paths>({ baseUrl: base });
  const auth: Middleware = {
    onRequest({ request }) {
      const k = key();
      if (k) request.headers.set('authorization', `Bearer ${k}`);
      return request;
    },
    onResponse({ response }) {
      if (response.status === 401) onUnauthorized();
      return response;
    },
  };
  client.use(auth);
  return { client, base };
}

export type Api = ReturnType<typeof createApi>;
