import { fieldErrorsFromZod } from '../../src/api/errors.ts';
import {
  buildSiteAuthConfig,
  cookieDomainMatches,
  credentialHeadersFor,
  isSendableCookie,
  pathMatches,
  siteAuthBody,
  successUrlReached,
  summarizeSiteAuth,
  type OriginAuth,
} from '../../src/domain/site-auth.ts';

/** The field errors a body gets, or null when it is accepted. */
function refusal(body: unknown): Record<string, string[]> | null {
  const parsed = siteAuthBody.safeParse(body);
  return parsed.success ? null : fieldErrorsFromZod(parsed.error);
}

const login = { url: 'https://app.example/login', fields: { '#user': 'audit', '#pass': 'hunter2' }, submit: 'button', success: { selector: '#account' } };

describe('site-auth body', () => {
  it('takes each of the three forms', () => {
    expect(refusal({ headers: { Authorization: 'Bearer abc.def', 'X-Api-Key': 'k 1' } })).toBeNull();
    expect(refusal({ cookies: [{ name: 'sid', value: 'abc123' }, { name: 'sid', value: '"q"', path: '/app' }] })).toBeNull();
    expect(refusal({ login })).toBeNull();
    expect(refusal({ login: { ...login, success: { url: 'https://app.example/home' } } })).toBeNull();
    expect(refusal({ origin: 'https://app.example', headers: { A: 'b' } })).toBeNull();
  });

  it('defaults a cookie path to /', () => {
    expect(siteAuthBody.parse({ cookies: [{ name: 'sid', value: 'x' }] }).cookies).toEqual([{ name: 'sid', value: 'x', path: '/' }]);
  });

  it('wants exactly one form', () => {
    expect(refusal({})).toEqual({ body: ['exactly one of headers, cookies or login (got none)'] });
    expect(refusal({ headers: { A: 'b' }, login })).toEqual({ body: ['exactly one of headers, cookies or login (got headers, login)'] });
    expect(refusal({ headers: { A: 'b' }, extra: 1 })).toEqual({ extra: ['is not a known field'] });
  });

  it('refuses header names that are not RFC 9110 tokens, and the connection headers', () => {
    const errors = refusal({ headers: { 'Bad Name': 'x', 'X:Y': 'x', '': 'x', Host: 'h', 'content-length': '1', Connection: 'close', 'Transfer-Encoding': 'chunked', 'Proxy-Authorization': 'p', TE: 't', Upgrade: 'u' } })!;
    expect(errors['headers.Bad Name']?.[0]).toMatch(/RFC 9110 token/);
    expect(errors['headers.X:Y']?.[0]).toMatch(/RFC 9110 token/);
    expect(errors['headers.']?.[0]).toMatch(/RFC 9110 token/);
    for (const name of ['Host', 'content-length', 'Connection', 'Transfer-Encoding', 'Proxy-Authorization', 'TE', 'Upgrade']) {
      expect(errors[`headers.${name}`]?.[0]).toMatch(/cannot be set/);
    }
  });

  it('refuses header values with control characters, line breaks or outer whitespace, and never echoes them', () => {
    const errors = refusal({ headers: { A: 'sec\r\nX-Injected: 1', B: ' padded', C: 'tab\u0000', D: 'é', E: '' } })!;
    expect(Object.keys(errors).sort()).toEqual(['headers.A', 'headers.B', 'headers.C', 'headers.D', 'headers.E']);
    expect(JSON.stringify(errors)).not.toMatch(/sec|padded|Injected/);
  });

  it('bounds the sizes', () => {
    const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`X-H${i}`, 'v']));
    expect(refusal({ headers: many })).toEqual({ headers: ['at most 20 headers'] });
    expect(refusal({ headers: { A: 'v'.repeat(4097) } })!['headers.A']).toBeDefined();
    expect(refusal({ headers: { ['N'.repeat(129)]: 'v' } })).not.toBeNull();
    expect(refusal({ headers: {} })).toEqual({ headers: ['at least one header'] });
    expect(refusal({ cookies: [] })).toEqual({ cookies: ['at least one cookie'] });
    expect(refusal({ cookies: Array.from({ length: 21 }, (_, i) => ({ name: `c${i}`, value: 'v' })) })).toEqual({ cookies: ['at most 20 cookies'] });
    expect(refusal({ login: { ...login, fields: { '#a': 'v'.repeat(1025) } } })!['login.fields.#a']).toBeDefined();
    expect(refusal({ login: { ...login, submit: 's'.repeat(513) } })!['login.submit']).toBeDefined();
  });

  it('refuses a header named twice in different cases', () => {
    expect(refusal({ headers: { 'X-Key': 'a', 'x-key': 'b' } })).toEqual({ headers: ['a header is named twice (names are case-insensitive)'] });
  });

  it('checks cookie names, values and paths (RFC 6265)', () => {
    const errors = refusal({
      cookies: [
        { name: 'bad name', value: 'v' },
        { name: 'ok', value: 'has space' },
        { name: 'ok2', value: 'semi;colon' },
        { name: 'ok3', value: 'v', path: 'relative' },
        { name: 'ok4', value: 'v', path: '/a;b' },
        { name: 'ok5', value: 'v', domain: 'evil.example' },
      ],
    })!;
    expect(Object.keys(errors).sort()).toEqual(['cookies.0.name', 'cookies.1.value', 'cookies.2.value', 'cookies.3.path', 'cookies.4.path', 'cookies.5.domain']);
    expect(refusal({ cookies: [{ name: 'a', value: 'x' }, { name: 'a', value: 'y', path: '/' }] })).toEqual({ cookies: ['a cookie is set twice (same name and path)'] });
  });

  it('checks the login recipe', () => {
    const errors = refusal({ login: { url: 'ftp://x/', fields: { '': 'v', 'a\nb': 'v' }, submit: '', success: { url: 'https://app.example/', selector: '#x' } } })!;
    expect(Object.keys(errors).sort()).toEqual(['login.fields.', 'login.fields.a\nb', 'login.submit', 'login.success', 'login.url']);
    expect(refusal({ login: { ...login, url: 'https://user:pw@app.example/login' } })).toEqual({ 'login.url': ['an absolute http(s) URL without credentials'] });
    expect(refusal({ login: { ...login, success: {} } })).toEqual({ 'login.success': ['exactly one of url or selector'] });
  });

  it('takes an origin only as scheme, host and port', () => {
    expect(refusal({ origin: 'https://app.example/path', headers: { A: 'b' } })).toEqual({ origin: ['an origin: scheme, host and port only (e.g. https://example.com)'] });
    expect(refusal({ origin: 'https://app.example/?q', headers: { A: 'b' } })).not.toBeNull();
  });
});

describe('buildSiteAuthConfig', () => {
  it('keeps the login page and the success URL on the origin', () => {
    const body = siteAuthBody.parse({ login });
    expect(buildSiteAuthConfig(body, 'https://app.example')).toMatchObject({ ok: true });
    expect(buildSiteAuthConfig(body, 'https://other.example')).toEqual({ ok: false, field: 'login.url', message: "must be on the project's origin (https://other.example)" });
    const away = siteAuthBody.parse({ login: { ...login, success: { url: 'https://elsewhere.example/home' } } });
    expect(buildSiteAuthConfig(away, 'https://app.example')).toMatchObject({ ok: false, field: 'login.success.url' });
  });
});

describe('summarizeSiteAuth', () => {
  it('shows names and never values', () => {
    const headers = summarizeSiteAuth({ type: 'headers', origin: 'https://a.example', headers: { 'X-Key': 'topsecret' } });
    const cookies = summarizeSiteAuth({ type: 'cookies', origin: 'https://a.example', cookies: [{ name: 'sid', value: 'topsecret', path: '/' }] });
    const recipe = summarizeSiteAuth({ type: 'login', origin: 'https://app.example', login: siteAuthBody.parse({ login: { ...login, fields: { '#pass': 'topsecret' } } }).login! });
    expect(headers).toEqual({ type: 'headers', origin: 'https://a.example', headers: ['X-Key'] });
    expect(cookies).toEqual({ type: 'cookies', origin: 'https://a.example', cookies: [{ name: 'sid', path: '/' }] });
    expect(recipe.login).toEqual({ url: login.url, fields: ['#pass'], submit: 'button', success: { selector: '#account' } });
    expect(JSON.stringify([headers, cookies, recipe])).not.toContain('topsecret');
  });
});

describe('credentialHeadersFor', () => {
  const auth: OriginAuth = {
    origin: 'http://127.0.0.1:8080',
    headers: { 'X-Key': 'k', Cookie: 'pre=1' },
    cookies: [
      { name: 'root', value: 'r', path: '/' },
      { name: 'app', value: 'a', path: '/app' },
    ],
  };

  it('adds the credentials on the origin only', () => {
    expect(credentialHeadersFor(auth, 'http://127.0.0.1:8080/app/page')).toEqual({ 'x-key': 'k', cookie: 'pre=1; app=a; root=r' });
    expect(credentialHeadersFor(auth, 'http://127.0.0.1:8080/other')).toEqual({ 'x-key': 'k', cookie: 'pre=1; root=r' });
    // Another port, another scheme, another host: another origin.
    expect(credentialHeadersFor(auth, 'http://127.0.0.1:8081/app')).toEqual({});
    expect(credentialHeadersFor(auth, 'https://127.0.0.1:8080/app')).toEqual({});
    expect(credentialHeadersFor(auth, 'http://localhost:8080/app')).toEqual({});
    expect(credentialHeadersFor(auth, 'data:text/html,x')).toEqual({});
    expect(credentialHeadersFor(undefined, 'http://127.0.0.1:8080/')).toEqual({});
  });

  it('path-matches cookies as RFC 6265 does', () => {
    expect(pathMatches('/app', '/app')).toBe(true);
    expect(pathMatches('/app', '/app/x')).toBe(true);
    expect(pathMatches('/app/', '/app/x')).toBe(true);
    expect(pathMatches('/app', '/application')).toBe(false);
    expect(pathMatches('/', '/anything')).toBe(true);
  });
});

describe('login checks', () => {
  it('reaches a success URL by origin and path, and query when given', () => {
    expect(successUrlReached('https://a.example/home', 'https://a.example/home?x=1#top')).toBe(true);
    expect(successUrlReached('https://a.example/home?tab=1', 'https://a.example/home?tab=2')).toBe(false);
    expect(successUrlReached('https://a.example/home', 'https://a.example/login')).toBe(false);
    expect(successUrlReached('https://a.example/home', 'https://b.example/home')).toBe(false);
  });

  it('keeps only cookies that can be sent back as they are', () => {
    expect(isSendableCookie('sid', 'abc-123_x')).toBe(true);
    expect(isSendableCookie('sid', 'has space')).toBe(false);
    expect(isSendableCookie('sid', 'a;b')).toBe(false);
    expect(isSendableCookie('bad name', 'v')).toBe(false);
  });

  it("keeps only the cookies the origin's host would be sent", () => {
    expect(cookieDomainMatches('app.example', 'https://app.example')).toBe(true);
    expect(cookieDomainMatches('.example', 'https://app.example')).toBe(true);
    expect(cookieDomainMatches('tracker.example', 'https://app.example')).toBe(false);
    expect(cookieDomainMatches('127.0.0.1', 'http://127.0.0.1:8080')).toBe(true);
    expect(cookieDomainMatches('0.0.1', 'http://127.0.0.1:8080')).toBe(false);
  });
});
