import { auditBase, type Connection } from './connection.ts';

/** A failure the user can act on: printed as is (never with the key), exit code 2. */
export class ClientError extends Error {}

export interface ClientOptions {
  /** Per request, from the first byte sent to the last byte read. */
  timeoutMs?: number;
  /** 429 and 503 are retried this many times, waiting what `retry-after` asks (bounded). */
  retries?: number;
  maxRetryWaitMs?: number;
  /** Told about each retry, so a CI log shows why the step waits. */
  onRetry?: (message: string) => void;
  fetch?: typeof fetch;
}

interface Envelope<T> {
  data: T;
  meta?: { total?: number; next_cursor?: string | null };
  error?: { code: string; message: string; details?: Record<string, unknown> } | null;
}

const DEFAULTS = { timeoutMs: 30_000, retries: 5, maxRetryWaitMs: 60_000 };

/**
 * The plain HTTP(S) client of the API: one bearer key, JSON envelopes, per-request timeouts,
 * retries on 429/503 honouring `retry-after`, and errors that say what to check. The key goes in
 * the Authorization header only: no message, URL or log line carries it.
 */
export class ApiClient {
  readonly base: string;
  private readonly options: Required<Omit<ClientOptions, 'onRetry' | 'fetch'>> & Pick<ClientOptions, 'onRetry'>;
  private readonly fetch: typeof fetch;

  constructor(
    private readonly connection: Connection,
    options: ClientOptions = {},
  ) {
    this.base = auditBase(connection);
    this.options = { ...DEFAULTS, ...options };
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /** An audit route (`scans/run`, `findings?…`): the enveloped data and meta. */
  async call<T>(method: string, path: string, body?: unknown): Promise<Envelope<T>> {
    const url = `${this.base}/${path}`;
    for (let attempt = 0; ; attempt++) {
      const res = await this.send(method, url, body);
      const text = await this.readText(res, method, path);
      if ((res.status === 429 || res.status === 503) && attempt < this.options.retries) {
        const waitMs = Math.min(retryAfterMs(res.headers.get('retry-after'), text) ?? 1_000 * 2 ** attempt, this.options.maxRetryWaitMs);
        this.options.onRetry?.(`${method} ${path}: ${res.status}, retrying in ${Math.ceil(waitMs / 1000)} s`);
        await new Promise((resolve) => setTimeout(resolve, waitMs));
        continue;
      }
      const parsed = parseJson(text) as Envelope<T> | undefined;
      if (res.ok && parsed && typeof parsed === 'object' && 'data' in parsed) return parsed;
      throw this.failure(res.status, parsed, method, path);
    }
  }

  /** Downloads a signed URL (no key: it is its own credential, and S3 refuses a second one). */
  async download(url: string): Promise<Response> {
    let res: Response;
    try {
      res = await this.fetch(url, { signal: AbortSignal.timeout(Math.max(this.options.timeoutMs, 120_000)) });
    } catch (err) {
      throw new ClientError(`could not download the report from ${new URL(url).origin}: ${networkReason(err)}`);
    }
    if (!res.ok || !res.body) throw new ClientError(`could not download the report: ${new URL(url).origin} answered ${res.status}`);
    return res;
  }

  /**
   * Opens an event stream (`scans/:id/events`): the response once its headers arrived (its body
   * is read by the caller, as long as the stream lasts); an answer other than 200 or 204 is a
   * ClientError. The per-request timeout bounds the connection only, not the stream.
   */
  async stream(path: string, options: { lastEventId?: string; signal: AbortSignal }): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.connection.key}`, accept: 'text/event-stream' };
    if (options.lastEventId !== undefined) headers['last-event-id'] = options.lastEventId;
    const connected = AbortSignal.timeout(this.options.timeoutMs);
    const opening = new AbortController();
    const abort = () => opening.abort(options.signal.aborted ? options.signal.reason : connected.reason);
    options.signal.addEventListener('abort', abort, { once: true });
    connected.addEventListener('abort', abort, { once: true });
    let res: Response;
    try {
      res = await this.fetch(`${this.base}/${path}`, { headers, signal: opening.signal, redirect: 'error' });
    } catch (err) {
      options.signal.removeEventListener('abort', abort);
      if (options.signal.aborted) throw options.signal.reason;
      throw new ClientError(`cannot reach the API at ${this.connection.apiUrl}: ${networkReason(err, this.options.timeoutMs)}`);
    } finally {
      connected.removeEventListener('abort', abort);
    }
    if (res.status === 200 || res.status === 204) return res;
    const text = await this.readText(res, 'GET', path);
    throw this.failure(res.status, parseJson(text) as Envelope<unknown> | undefined, 'GET', path);
  }

  private async send(method: string, url: string, body: unknown): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.connection.key}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await this.fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs),
        redirect: 'error',
      });
    } catch (err) {
      throw new ClientError(`cannot reach the API at ${this.connection.apiUrl}: ${networkReason(err, this.options.timeoutMs)}`);
    }
  }

  private async readText(res: Response, method: string, path: string): Promise<string> {
    try {
      return await res.text();
    } catch (err) {
      throw new ClientError(`${method} ${path}: the answer was cut off (${networkReason(err, this.options.timeoutMs)})`);
    }
  }

  private failure(status: number, body: Envelope<unknown> | undefined, method: string, path: string): ClientError {
    const message = body?.error?.message;
    const route = `${method} ${path.split('?')[0]}`;
    switch (status) {
      case 401:
        return new ClientError(`the API key was refused (401): check --key or SITEWARDEN_API_KEY (${message ?? 'unauthorized'})`);
      case 403:
        return new ClientError(`the API key may not do this (403 ${route}): ${message ?? 'forbidden'}; scan and export need a key with audit:write`);
      case 404:
        return new ClientError(
          `not found (404 ${route}): check --org and --project (org "${this.connection.org}", project "${this.connection.project}") and that --api points at a Sitewarden API`,
        );
      case 422: {
        const details = body?.error?.details ? Object.entries(body.error.details).map(([field, m]) => `${field}: ${[m].flat().join(', ')}`) : [];
        return new ClientError(`the API refused the request (422 ${route}): ${details.join('; ') || message || 'invalid parameters'}`);
      }
      case 429:
      case 503:
        return new ClientError(`the API is busy (${status} ${route}) and still was after ${this.options.retries} retries: ${message ?? ''}`.trim());
      default:
        return new ClientError(
          body ? `${route} failed (${status}): ${message ?? 'no message'}` : `${route} answered ${status} without the API's JSON envelope: is --api a Sitewarden API?`,
        );
    }
  }
}

/** `retry-after` as seconds or an HTTP date, else the rate limiter's body `{retry_after}`. */
export function retryAfterMs(header: string | null, body?: string, now = Date.now()): number | undefined {
  if (header) {
    const seconds = Number(header);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1_000;
    const date = Date.parse(header);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const fromBody = (parseJson(body ?? '') as { retry_after?: unknown } | undefined)?.retry_after;
  return typeof fromBody === 'number' && fromBody >= 0 ? fromBody * 1_000 : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** undici's "fetch failed" hides the reason in `cause`: refused, unknown host, timeout… */
function networkReason(err: unknown, timeoutMs?: number): string {
  const e = err as { name?: string; cause?: { code?: string; message?: string }; message?: string };
  if (e?.name === 'TimeoutError') return `no answer within ${(timeoutMs ?? 0) / 1000} s`;
  const code = e?.cause?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused (is the API running, and is --api right?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'unknown host';
    case 'ECONNRESET':
      return 'the connection was reset';
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'the connection timed out';
    default:
      return code ?? e?.cause?.message ?? e?.message ?? String(err);
  }
}
