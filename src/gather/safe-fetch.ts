import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, request, type Dispatcher } from 'undici';
import { credentialHeadersFor, type OriginAuth } from '../domain/site-auth.ts';
import type { HostAllowlist } from './ssrf/host-allowlist.ts';
import { resolvedAddressRefusal } from './ssrf/target-policy.ts';
import { checkTargetUrl } from './ssrf/url-guard.ts';

export type Resolver = (hostname: string) => Promise<string[]>;

export const defaultResolve: Resolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true })).map((answer) => answer.address);

export type SafeFetchErrorCode = 'refused' | 'timeout' | 'too_large' | 'too_many_redirects' | 'network' | 'bad_url';

export class SafeFetchError extends Error {
  readonly code: SafeFetchErrorCode;
  /** False when retrying later may succeed (timeouts, network failures). */
  readonly permanent: boolean;

  constructor(code: SafeFetchErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SafeFetchError';
    this.code = code;
    this.permanent = code !== 'timeout' && code !== 'network';
  }
}

export interface SafeFetcherOptions {
  allowlist: HostAllowlist;
  resolve?: Resolver;
  maxRedirects?: number;
  timeoutMs?: number;
  maxBytes?: number;
  userAgent?: string;
}

export interface FetchInit {
  method?: 'GET' | 'HEAD' | 'POST';
  /** A POST's body (webhooks). Pair it with followRedirects: false: a followed redirect would post it again. */
  body?: string;
  headers?: Record<string, string>;
  /** false: answer a redirect as it is (its Location in `headers`) instead of following it. */
  followRedirects?: boolean;
  /**
   * A project's site-auth credentials (docs/site-auth.md): added to each hop whose URL is on
   * their origin, and to no other, so a redirect elsewhere never carries them.
   */
  auth?: OriginAuth;
}

export interface FetchedPage {
  /** The final URL, after redirects. */
  url: string;
  status: number;
  /** Lower-cased names; repeated headers such as set-cookie are arrays. */
  headers: Record<string, string | string[]>;
  body: Buffer;
  redirects: { url: string; status: number; location: string }[];
  timings: { totalMs: number };
}

export interface SafeFetcher {
  fetchPage(url: string, init?: FetchInit): Promise<FetchedPage>;
  /** Closes pooled connections. */
  close(): Promise<void>;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

export function createSafeFetcher(options: SafeFetcherOptions): SafeFetcher {
  const { allowlist, resolve = defaultResolve, maxRedirects = 5, timeoutMs = 15_000, maxBytes = 5 * 1024 * 1024 } = options;
  const userAgent = options.userAgent ?? 'Sitewarden/0.1';
  // Every new connection resolves through the guarded lookup, and net.connect dials exactly the
  // addresses it checked: no second lookup exists that DNS rebinding could answer differently.
  // IP-literal hosts skip lookup inside net.connect; checkTargetUrl has already judged them.
  const agent = new Agent({ connect: { lookup: guardedLookup(allowlist, resolve) } });

  const validate = (href: string, context: string): URL => {
    const check = checkTargetUrl(href, allowlist);
    if (check.ok) return check.url;
    throw new SafeFetchError(URL.canParse(href) ? 'refused' : 'bad_url', `${context}: ${check.reason}`);
  };

  async function fetchPage(url: string, init: FetchInit = {}): Promise<FetchedPage> {
    const started = performance.now();
    const method = init.method ?? 'GET';
    let headers: Record<string, string> = { 'user-agent': userAgent };
    for (const [name, value] of Object.entries(init.headers ?? {})) headers[name.toLowerCase()] = value;
    const redirects: FetchedPage['redirects'] = [];
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);

    try {
      let target = validate(url, 'URL refused');
      for (;;) {
        const hopHeaders = init.auth ? { ...headers, ...credentialHeadersFor(init.auth, target.href) } : headers;
        const response = await request(target, { dispatcher: agent, method, headers: hopHeaders, body: init.body, signal: controller.signal });
        const location = firstValue(response.headers.location);
        const isRedirect = REDIRECT_STATUSES.has(response.statusCode) && location !== undefined;
        if (!isRedirect || init.followRedirects === false) {
          const body = method === 'HEAD' ? Buffer.alloc(0) : await readBody(response, maxBytes);
          return {
            url: target.href,
            status: response.statusCode,
            headers: definedHeaders(response.headers),
            body,
            redirects,
            timings: { totalMs: performance.now() - started },
          };
        }

        await response.body.dump();
        if (redirects.length >= maxRedirects) {
          throw new SafeFetchError('too_many_redirects', `more than ${maxRedirects} redirects`);
        }
        redirects.push({ url: target.href, status: response.statusCode, location });
        const next = URL.parse(location, target.href);
        if (!next) throw new SafeFetchError('bad_url', 'redirect to an invalid URL');
        if (next.origin !== target.origin) {
          headers = Object.fromEntries(Object.entries(headers).filter(([name]) => !CREDENTIAL_HEADERS.has(name)));
        }
        target = validate(next.href, 'redirect refused');
      }
    } catch (error) {
      if (controller.signal.aborted) {
        throw new SafeFetchError('timeout', `no complete response within ${timeoutMs} ms`, { cause: error });
      }
      if (error instanceof SafeFetchError) throw error;
      throw new SafeFetchError('network', describeNetworkError(error), { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  return { fetchPage, close: () => agent.close() };
}

/** `fetcher` with `auth` on every fetch it makes (its own origin's hops only; see FetchInit.auth). */
export function withOriginAuth(fetcher: SafeFetcher, auth: OriginAuth | undefined): SafeFetcher {
  if (!auth) return fetcher;
  return { fetchPage: (url, init = {}) => fetcher.fetchPage(url, { ...init, auth }), close: () => fetcher.close() };
}

/**
 * A `lookup` for net.connect (an undici Agent's `connect.lookup`): resolves the name, refuses it
 * with a SafeFetchError `refused` when any address is forbidden, else hands over exactly the
 * addresses it judged. The tracker SDKs' transport uses it too (src/integrations/transport.ts).
 */
export function guardedLookup(allowlist: HostAllowlist, resolve: Resolver): LookupFunction {
  return (hostname, options, callback) => {
    checkedAddresses(hostname, allowlist, resolve).then(
      (addresses) => {
        const entries = addresses.map((address) => ({ address, family: isIP(address) }));
        const [first] = entries;
        if (options.all) callback(null, entries);
        else callback(null, first?.address ?? '', first?.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}

async function checkedAddresses(hostname: string, allowlist: HostAllowlist, resolve: Resolver): Promise<string[]> {
  const addresses = await resolve(hostname);
  if (addresses.length === 0) throw new SafeFetchError('network', `no addresses found for ${hostname}`);
  const refusal = resolvedAddressRefusal(hostname, addresses, allowlist);
  if (refusal) throw new SafeFetchError('refused', refusal);
  return addresses;
}

async function readBody(response: Dispatcher.ResponseData, maxBytes: number): Promise<Buffer> {
  const tooLarge = () => new SafeFetchError('too_large', `response body exceeds ${maxBytes} bytes`);
  if (Number(firstValue(response.headers['content-length'])) > maxBytes) {
    await response.body.dump(); // reads at most 128 KiB, else closes the connection
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw tooLarge(); // leaving the loop destroys the stream
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function definedHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  return Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string | string[]] => entry[1] !== undefined));
}

// Duck-typed: errors raised inside node core belong to another realm under jest, failing instanceof Error.
function describeNetworkError(error: unknown): string {
  const { code, message } = Object(error) as { code?: unknown; message?: unknown };
  if (typeof message === 'string' && message !== '') return message;
  return typeof code === 'string' ? code : 'request failed';
}
