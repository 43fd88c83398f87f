import { z } from 'zod';

/**
 * Pages behind a login (docs/site-auth.md): what a project's site-auth may be, how it is checked,
 * what may be shown of it, and how its credentials are attached to a request. Pure: the service
 * (src/services/site-auth.ts) stores it, the gatherers apply it.
 */

export const SITE_AUTH_TYPES = ['headers', 'cookies', 'login'] as const;
export type SiteAuthType = (typeof SITE_AUTH_TYPES)[number];

export const SITE_AUTH_LIMITS = {
  headers: 20,
  cookies: 20,
  fields: 20,
  nameChars: 128,
  valueChars: 4_096,
  pathChars: 1_024,
  selectorChars: 512,
  fieldValueChars: 1_024,
  urlChars: 2_048,
} as const;

/** RFC 9110 §5.6.2 token: header names; RFC 6265 §4.1.1 cookie-name is the same token. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/**
 * RFC 9110 §5.5 field-value, visible ASCII only (obs-text is obsolete, and Chromium and undici
 * treat it differently): no control characters, no CR/LF (header injection), no leading or
 * trailing whitespace (which a parser would strip, so the value sent would not be the value set).
 */
const FIELD_VALUE = /^[\x21-\x7E](?:[\x20-\x7E\t]*[\x21-\x7E])?$/;
/** RFC 6265 §4.1.1 cookie-value: cookie-octets, optionally in double quotes. */
const COOKIE_VALUE = /^(?:[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*|"[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*")$/;
/** A cookie a browser holds that can be sent back as it is (RFC 6265 cookie-name and unquoted cookie-octets). */
export function isSendableCookie(name: string, value: string): boolean {
  return TOKEN.test(name) && /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/.test(value);
}
/** RFC 6265 §4.1.1 path-value: any CHAR but controls and ";", here starting with "/". */
const COOKIE_PATH = /^\/[\x20-\x3A\x3C-\x7E]*$/;
const CONTROL = /[\x00-\x1F\x7F]/;

/**
 * Headers a site-auth may not set: the connection's own (RFC 9110 §7.6.1 hop-by-hop, and those
 * naming the message's framing or target), which the fetcher and the browser set themselves, and
 * proxy credentials, which would go to no site at all.
 */
export const FORBIDDEN_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'upgrade',
  'expect',
  'http2-settings',
]);

/** Why a header name is refused, if it is. */
function headerNameProblem(name: string): string | undefined {
  if (name.length > SITE_AUTH_LIMITS.nameChars) return `a header name has at most ${SITE_AUTH_LIMITS.nameChars} characters`;
  if (!TOKEN.test(name)) return "a header name is an RFC 9110 token (letters, digits and !#$%&'*+-.^_`|~)";
  if (FORBIDDEN_HEADERS.has(name.toLowerCase())) return 'this header belongs to the connection (hop-by-hop, Host, Content-Length…) and cannot be set';
  return undefined;
}

const headerValue = z
  .string()
  .max(SITE_AUTH_LIMITS.valueChars, `a header value has at most ${SITE_AUTH_LIMITS.valueChars} characters`)
  .regex(FIELD_VALUE, 'a header value is visible ASCII (spaces and tabs inside), without leading or trailing whitespace');

const headersSchema = z
  .record(z.string(), headerValue)
  .superRefine((headers, ctx) => {
    for (const name of Object.keys(headers)) {
      const problem = headerNameProblem(name);
      if (problem) ctx.addIssue({ code: 'custom', path: [name], message: problem });
    }
  })
  .refine((h) => Object.keys(h).length >= 1, 'at least one header')
  .refine((h) => Object.keys(h).length <= SITE_AUTH_LIMITS.headers, `at most ${SITE_AUTH_LIMITS.headers} headers`)
  .refine((h) => new Set(Object.keys(h).map((n) => n.toLowerCase())).size === Object.keys(h).length, 'a header is named twice (names are case-insensitive)')
  .meta({ description: 'Request headers sent to the project\'s origin only', example: { Authorization: 'Bearer …' } });

const cookieSchema = z.strictObject({
  name: z
    .string()
    .max(SITE_AUTH_LIMITS.nameChars, `a cookie name has at most ${SITE_AUTH_LIMITS.nameChars} characters`)
    .regex(TOKEN, 'a cookie name is an RFC 6265 token (letters, digits and !#$%&\'*+-.^_`|~)'),
  value: z
    .string()
    .max(SITE_AUTH_LIMITS.valueChars, `a cookie value has at most ${SITE_AUTH_LIMITS.valueChars} characters`)
    .regex(COOKIE_VALUE, 'a cookie value is RFC 6265 cookie-octets: visible ASCII except space, double quote, comma, semicolon and backslash'),
  path: z
    .string()
    .max(SITE_AUTH_LIMITS.pathChars, `a cookie path has at most ${SITE_AUTH_LIMITS.pathChars} characters`)
    .regex(COOKIE_PATH, 'a cookie path starts with "/" and has no control characters or ";"')
    .default('/'),
});

const cookiesSchema = z
  .array(cookieSchema)
  .min(1, 'at least one cookie')
  .max(SITE_AUTH_LIMITS.cookies, `at most ${SITE_AUTH_LIMITS.cookies} cookies`)
  .refine((cookies) => new Set(cookies.map((c) => `${c.name}\n${c.path}`)).size === cookies.length, 'a cookie is set twice (same name and path)')
  .meta({ description: 'Cookies sent to the project\'s origin only (host-only; `path` defaults to "/")' });

const httpUrl = z
  .string()
  .max(SITE_AUTH_LIMITS.urlChars, `at most ${SITE_AUTH_LIMITS.urlChars} characters`)
  .refine((value) => {
    const url = URL.parse(value);
    return url !== null && (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password;
  }, 'an absolute http(s) URL without credentials');

const selector = z
  .string()
  .min(1, 'a CSS selector')
  .max(SITE_AUTH_LIMITS.selectorChars, `a selector has at most ${SITE_AUTH_LIMITS.selectorChars} characters`)
  .refine((s) => !CONTROL.test(s), 'a selector has no control characters');

const loginSchema = z
  .strictObject({
    url: httpUrl.meta({ description: 'The login page, on the project\'s origin' }),
    fields: z
      .record(z.string(), z.string().max(SITE_AUTH_LIMITS.fieldValueChars, `a field value has at most ${SITE_AUTH_LIMITS.fieldValueChars} characters`))
      .superRefine((fields, ctx) => {
        for (const key of Object.keys(fields)) {
          const problem = selector.safeParse(key);
          if (!problem.success) ctx.addIssue({ code: 'custom', path: [key], message: problem.error.issues[0]!.message });
        }
      })
      .refine((f) => Object.keys(f).length >= 1, 'at least one field')
      .refine((f) => Object.keys(f).length <= SITE_AUTH_LIMITS.fields, `at most ${SITE_AUTH_LIMITS.fields} fields`)
      .meta({ description: 'CSS selector of each input → the value typed into it' }),
    submit: selector.meta({ description: 'CSS selector of the element clicked to submit' }),
    success: z
      .strictObject({ url: httpUrl.optional(), selector: selector.optional() })
      .refine((s) => (s.url === undefined) !== (s.selector === undefined), 'exactly one of url or selector')
      .transform((s): { url: string } | { selector: string } => (s.url !== undefined ? { url: s.url } : { selector: s.selector! }))
      .meta({ description: '`{url}`: the page reached after submitting (same path, and same query when one is given); `{selector}`: an element present once signed in' }),
  })
  .meta({ description: 'Signs in with a browser before each scan (docs/site-auth.md)' });

/** The PUT body: exactly one of the three forms, and optionally the origin they are bound to. */
export const siteAuthBody = z
  .strictObject({
    origin: httpUrl
      .refine((value) => {
        const url = URL.parse(value);
        return url !== null && url.pathname === '/' && !url.search && !url.hash && !value.endsWith('?') && !value.endsWith('#');
      }, 'an origin: scheme, host and port only (e.g. https://example.com)')
      .optional()
      .meta({ description: "The only origin the credentials are sent to; default: the login URL's origin, else the origin of the project's latest scan" }),
    headers: headersSchema.optional(),
    cookies: cookiesSchema.optional(),
    login: loginSchema.optional(),
  })
  .superRefine((body, ctx) => {
    const given = SITE_AUTH_TYPES.filter((type) => body[type] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({ code: 'custom', path: [], message: `exactly one of headers, cookies or login (got ${given.length ? given.join(', ') : 'none'})` });
    }
  })
  .meta({
    id: 'SiteAuthRequest',
    description: 'Exactly one of `headers`, `cookies` or `login`. Values are encrypted at rest and never returned.',
    example: { login: { url: 'https://example.com/login', fields: { '#email': 'audit@example.com', '#password': '…' }, submit: 'button[type=submit]', success: { selector: '#account' } } },
  });

export type SiteAuthBody = z.infer<typeof siteAuthBody>;
export type SiteCookie = { name: string; value: string; path: string };
export type LoginRecipe = z.infer<typeof loginSchema>;

/** What is stored (encrypted): the body as parsed, with the origin it is bound to. */
export type SiteAuthConfig =
  | { type: 'headers'; origin: string; headers: Record<string, string> }
  | { type: 'cookies'; origin: string; cookies: SiteCookie[] }
  | { type: 'login'; origin: string; login: LoginRecipe };

/** The stored form, parsed again when read (the row is input too). */
export const siteAuthConfigSchema: z.ZodType<SiteAuthConfig> = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('headers'), origin: z.string(), headers: headersSchema }),
  z.strictObject({ type: z.literal('cookies'), origin: z.string(), cookies: cookiesSchema }),
  z.strictObject({ type: z.literal('login'), origin: z.string(), login: loginSchema }),
]) as z.ZodType<SiteAuthConfig>;

export function siteAuthType(body: SiteAuthBody): SiteAuthType {
  return body.headers ? 'headers' : body.cookies ? 'cookies' : 'login';
}

/**
 * The config to store, once the origin is known. Refusals are per field, like the zod ones:
 * the login page and the success URL must be on the origin the credentials are bound to.
 */
export function buildSiteAuthConfig(body: SiteAuthBody, origin: string): { ok: true; config: SiteAuthConfig } | { ok: false; field: string; message: string } {
  if (body.headers) return { ok: true, config: { type: 'headers', origin, headers: body.headers } };
  if (body.cookies) return { ok: true, config: { type: 'cookies', origin, cookies: body.cookies.map((c) => ({ name: c.name, value: c.value, path: c.path })) } };
  const login = body.login!;
  if (new URL(login.url).origin !== origin) return { ok: false, field: 'login.url', message: `must be on the project's origin (${origin})` };
  if ('url' in login.success && new URL(login.success.url).origin !== origin) {
    return { ok: false, field: 'login.success.url', message: `must be on the project's origin (${origin})` };
  }
  return { ok: true, config: { type: 'login', origin, login } };
}

/** What GET shows: the type, the origin and the names; never a value. */
export interface SiteAuthSummary {
  type: SiteAuthType;
  origin: string;
  headers?: string[];
  cookies?: { name: string; path: string }[];
  login?: { url: string; fields: string[]; submit: string; success: { url: string } | { selector: string } };
}

export function summarizeSiteAuth(config: SiteAuthConfig): SiteAuthSummary {
  switch (config.type) {
    case 'headers':
      return { type: 'headers', origin: config.origin, headers: Object.keys(config.headers) };
    case 'cookies':
      return { type: 'cookies', origin: config.origin, cookies: config.cookies.map((c) => ({ name: c.name, path: c.path })) };
    case 'login':
      return {
        type: 'login',
        origin: config.origin,
        login: { url: config.login.url, fields: Object.keys(config.login.fields), submit: config.login.submit, success: config.login.success },
      };
  }
}

/**
 * Credentials ready to attach, bound to one origin: the headers form's headers, the cookies
 * form's cookies, or the cookies a login left. Nothing of it goes to any other origin.
 */
export interface OriginAuth {
  origin: string;
  headers: Record<string, string>;
  cookies: SiteCookie[];
}

/** The origin of a URL, or null when it has none (a malformed URL, data:, about:…). */
export function originOf(url: string): string | null {
  const parsed = URL.parse(url);
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) return null;
  return parsed.origin;
}

/** RFC 6265 §5.1.4 path-match. */
export function pathMatches(cookiePath: string, requestPath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

/**
 * The headers to add to a request for `url`: the credentials when `url` is on their origin
 * (scheme, host and port all equal), nothing otherwise. Names lower-cased; the cookies whose path
 * matches in one Cookie header, longer paths first (RFC 6265 §5.4), after any Cookie the headers
 * form set.
 */
export function credentialHeadersFor(auth: OriginAuth | undefined, url: string): Record<string, string> {
  if (!auth || originOf(url) !== auth.origin) return {};
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(auth.headers)) headers[name.toLowerCase()] = value;
  const path = new URL(url).pathname || '/';
  const cookies = auth.cookies.filter((c) => pathMatches(c.path, path)).sort((a, b) => b.path.length - a.path.length);
  if (cookies.length) {
    const line = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    headers.cookie = headers.cookie ? `${headers.cookie}; ${line}` : line;
  }
  return headers;
}

/** The credentials of a stored config, for its headers and cookies forms; a login's come from the login. */
export function originAuthOf(config: SiteAuthConfig, sessionCookies: SiteCookie[] = []): OriginAuth {
  switch (config.type) {
    case 'headers':
      return { origin: config.origin, headers: config.headers, cookies: [] };
    case 'cookies':
      return { origin: config.origin, headers: {}, cookies: config.cookies };
    case 'login':
      return { origin: config.origin, headers: {}, cookies: sessionCookies };
  }
}

/** Does the page at `url`, reached after submitting, meet a `{url}` success check? */
export function successUrlReached(expected: string, actual: string): boolean {
  const want = URL.parse(expected);
  const got = URL.parse(actual);
  if (!want || !got || want.origin !== got.origin || want.pathname !== got.pathname) return false;
  return !want.search || want.search === got.search;
}

/**
 * Whether a cookie a browser holds for `domain` would be sent to `origin`'s host (RFC 6265
 * §5.1.3 domain-match; a leading dot is a domain cookie). The login keeps only these.
 */
export function cookieDomainMatches(domain: string, origin: string): boolean {
  const host = new URL(origin).hostname.toLowerCase();
  const d = domain.toLowerCase().replace(/^\./, '');
  return host === d || (host.endsWith(`.${d}`) && !/^[\d.]+$/.test(host) && !host.startsWith('['));
}
