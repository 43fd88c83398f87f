import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';

/**
 * A site of a few hundred pages for crawl tests and bench/crawl.ts, on 127.0.0.1, logging every
 * request it answers (path and user agent), with a second server on another port standing for
 * "off-site" (it must never be asked anything):
 * - robots.txt: `Disallow: /private/`, a Crawl-delay, and a sitemap index naming two sitemaps;
 * - pages `/p/0` … `/p/<n-1>` (sitemaps name the first `inSitemaps`; the rest are reachable only
 *   through `/archive`), each linking to the next, to `(i * 7) % n` (cycles), to duplicate forms
 *   of `/p/<i+2>` (trailing slash, fragment, `./`, upper-case scheme, an empty query), to
 *   `/search` with its parameters in either order, to a disallowed `/private/<i % 10>`, to files
 *   (`/files/doc-<i % 5>.pdf`, `/img/logo.png`, `/download` answering a PDF), to `/old` (a
 *   redirect to `/p/3`) and off-site (the other port, and `http://offsite.invalid/`);
 * - `/`, `/about`, `/archive`, `/search?a=1&b=2`, and `/docs/` (which `/docs` redirects to; its
 *   relative link `guide` resolves to `/docs/guide` only against the slash form).
 * Allowed HTML pages: the n pages and those six.
 */
export interface CrawlSite {
  origin: string;
  startUrl: string;
  /** The other port's origin: off-site. */
  offSiteOrigin: string;
  /** Every request the site answered, in order. */
  hits: Array<{ path: string; userAgent: string; at: number }>;
  /** Requests the off-site server was sent (must stay empty). */
  offSiteHits: string[];
  /** Paths of every allowed HTML page, as the crawl names them (normalised). */
  allowedPages: string[];
  /**
   * With `members`: a protected area linked from `/` (`/members`, which links `/members/report`:
   * reachable only from inside; and `/members/export` (CSV), `/members/feed?page=1…5` (JSON) and
   * `/members/old` (a redirect to the report), visited but not scanned), answering only a visitor with the header, the cookie or a session
   * of the login form, 302 to `/login` (an open page) otherwise. `/login` is a form (`#user`,
   * `#pass`, `#go`) whose POST with `credentials` sets a new session cookie (`members_sid`, its
   * value kept in `sessions`) and 302s to `/members`.
   */
  members?: {
    pages: string[];
    header: { name: string; value: string };
    cookie: { name: string; value: string };
    loginUrl: string;
    credentials: { user: string; password: string };
    /** Session ids the login handed out (secrets too). */
    sessions: Set<string>;
  };
  /** Requests for the members area that carried a credential. */
  membersAuthorized: string[];
  /** The same requests with their user agent (the crawl's own, or a scan's). */
  membersAuthorizedBy: Array<{ path: string; userAgent: string }>;
  /** POSTs to /login: signed in or not. */
  logins: Array<{ ok: boolean; at: number }>;
  close(): Promise<void>;
}

export const CRAWL_DELAY_SECONDS = 0.05;

export async function startCrawlSite(options: { pages?: number; inSitemaps?: number; delayMs?: number; members?: boolean } = {}): Promise<CrawlSite> {
  const members = options.members
    ? {
        pages: ['/members', '/members/report'],
        header: { name: 'x-members-token', value: `tok-${randomBytes(12).toString('hex')}` },
        cookie: { name: 'members_session', value: `ck-${randomBytes(12).toString('hex')}` },
        loginUrl: '',
        credentials: { user: 'auditor', password: `pw-${randomBytes(12).toString('hex')}` },
        sessions: new Set<string>(),
      }
    : undefined;
  const membersAuthorized: string[] = [];
  const membersAuthorizedBy: CrawlSite['membersAuthorizedBy'] = [];
  const logins: CrawlSite['logins'] = [];
  const n = options.pages ?? 250;
  const inSitemaps = Math.min(options.inSitemaps ?? Math.floor(n * 0.8), n);
  const hits: CrawlSite['hits'] = [];
  const offSiteHits: string[] = [];

  const offSite = createServer((req, res) => {
    offSiteHits.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>elsewhere</body></html>');
  });
  await listen(offSite);
  const offSiteOrigin = `http://127.0.0.1:${(offSite.address() as AddressInfo).port}`;

  let origin = '';
  const html = (title: string, body: string) =>
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title><meta name="description" content="${title} of the crawl fixture site">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1"></head><body><h1>${title}</h1>${body}</body></html>`;
  const link = (href: string) => `<a href="${href}">${href}</a> `;

  function pageBody(i: number): string {
    const next = (i + 1) % n;
    const twin = (i + 2) % n;
    const forms = [`/p/${twin}/`, `/p/${twin}#section`, `/p/./${twin}`, `${origin.replace('http:', 'HTTP:')}/p/${twin}`, `/p/${twin}?`];
    return [
      link(`/p/${next}`),
      link(`/p/${(i * 7) % n}`),
      ...forms.map(link),
      link(i % 2 ? '/search?b=2&a=1' : '/search?a=1&b=2'),
      link(`/private/${i % 10}`),
      link(`/files/doc-${i % 5}.pdf`),
      link('/img/logo.png'),
      link('/download'),
      link('/old'),
      link(`${offSiteOrigin}/from-${i}`),
      link('http://offsite.invalid/'),
      link('mailto:team@example.com'),
    ].join('');
  }

  const sitemap = (urls: string[]) =>
    `<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${urls.map((u) => `<url><loc>${u}</loc></url>`).join('')}</urlset>`;

  const loginForm = (error = '') =>
    html(
      'Sign in',
      `${error ? `<p role="alert">${error}</p>` : ''}<form method="post" action="/login"><label for="user">User</label><input id="user" name="user">` +
        '<label for="pass">Password</label><input id="pass" name="pass" type="password"><button id="go" type="submit">Sign in</button></form>',
    );

  const site = createServer((req, res) => {
    if (members && req.method === 'POST' && req.url === '/login') {
      let body = '';
      req.on('data', (chunk) => (body += String(chunk)));
      req.on('end', () => {
        hits.push({ path: '/login (POST)', userAgent: String(req.headers['user-agent'] ?? ''), at: Date.now() });
        const form = new URLSearchParams(body);
        const ok = form.get('user') === members.credentials.user && form.get('pass') === members.credentials.password;
        logins.push({ ok, at: Date.now() });
        if (!ok) return void res.writeHead(401, { 'content-type': 'text/html; charset=utf-8' }).end(loginForm('Wrong user or password'));
        const sid = `sid-${randomBytes(12).toString('hex')}`;
        members.sessions.add(sid);
        res.writeHead(302, { location: '/members', 'set-cookie': `members_sid=${sid}; Path=/; HttpOnly; SameSite=Lax` }).end();
      });
      return;
    }
    const url = new URL(req.url ?? '/', origin);
    hits.push({ path: url.pathname + url.search, userAgent: String(req.headers['user-agent'] ?? ''), at: Date.now() });
    const send = (status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}) => {
      const write = () => res.writeHead(status, { 'content-type': type, ...extra }).end(body);
      if (options.delayMs && type.startsWith('text/html')) setTimeout(write, options.delayMs);
      else write();
    };
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const p = /^\/p\/(\d+)$/.exec(path);
    if (path === '/robots.txt') {
      return send(200, 'text/plain', `User-agent: *\nDisallow: /private/\nCrawl-delay: ${CRAWL_DELAY_SECONDS}\nSitemap: ${origin}/sitemap-index.xml\n`);
    }
    if (path === '/sitemap-index.xml') {
      return send(200, 'application/xml', `<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>${origin}/sitemap-1.xml</loc></sitemap><sitemap><loc>${origin}/sitemap-2.xml</loc></sitemap></sitemapindex>`);
    }
    const half = Math.ceil(inSitemaps / 2);
    if (path === '/sitemap-1.xml') return send(200, 'application/xml', sitemap([`${origin}/`, ...Array.from({ length: half }, (_, i) => `${origin}/p/${i}`)]));
    if (path === '/sitemap-2.xml') {
      const rest = Array.from({ length: inSitemaps - half }, (_, i) => `${origin}/p/${half + i}`);
      return send(200, 'application/xml', sitemap([...rest, `${origin}/private/secret`, `${origin}/files/doc-0.pdf`, `${offSiteOrigin}/sitemapped`]));
    }
    // A directory page that redirects to its trailing-slash form, as many servers do.
    if (url.pathname === '/docs') return send(301, 'text/html', '', { location: '/docs/' });
    if (url.pathname === '/docs/') return send(200, 'text/html; charset=utf-8', html('Docs', link('guide') + link('../about')));
    if (path === '/docs/guide') return send(200, 'text/html; charset=utf-8', html('Guide', link('/docs/')));
    if (members && (path === '/members' || path.startsWith('/members/'))) {
      const cookies = String(req.headers.cookie ?? '');
      const jar = cookies.split(/;\s*/);
      const signedIn =
        req.headers[members.header.name] === members.header.value ||
        jar.includes(`${members.cookie.name}=${members.cookie.value}`) ||
        jar.some((c) => c.startsWith('members_sid=') && members.sessions.has(c.slice('members_sid='.length)));
      if (!signedIn) return send(302, 'text/html', '', { location: `/login?next=${encodeURIComponent(path)}` });
      membersAuthorized.push(path);
      membersAuthorizedBy.push({ path, userAgent: String(req.headers['user-agent'] ?? '') });
      if (path === '/members') return send(200, 'text/html; charset=utf-8', html('Members', link('/members/report') + link('/members/export') + [1, 2, 3, 4, 5].map((i) => link(`/members/feed?page=${i}`)).join('') + link('/members/old') + link('/')));
      // Visited by the crawl, not scanned: a CSV, a JSON feed (non_html), a redirect within the area.
      if (path === '/members/export') return send(200, 'text/csv', 'month,revenue\n');
      if (path === '/members/feed') return send(200, 'application/json', '{}');
      if (path === '/members/old') return send(301, 'text/html', '', { location: '/members/report' });
      if (path === '/members/report') return send(200, 'text/html; charset=utf-8', html('Members report', link('/members')));
      return send(404, 'text/html', html('Not found', ''));
    }
    if (members && path === '/login') return send(200, 'text/html; charset=utf-8', loginForm());
    if (path === '/') return send(200, 'text/html; charset=utf-8', html('Home', (members ? link('/members') : '') + link('/p/0') + link('/about') + link('/archive') + link('/search?a=1&b=2') + link('/docs/') + link(`${offSiteOrigin}/`)));
    if (path === '/about') return send(200, 'text/html; charset=utf-8', html('About', link('/') + link('/about/#team')));
    if (path === '/archive') return send(200, 'text/html; charset=utf-8', html('Archive', Array.from({ length: n }, (_, i) => link(`/p/${i}`)).join('')));
    if (path === '/search') return send(200, 'text/html; charset=utf-8', html('Search', link('/')));
    if (p && Number(p[1]) < n) return send(200, 'text/html; charset=utf-8', html(`Page ${p[1]}`, pageBody(Number(p[1]))));
    if (path === '/old') return send(301, 'text/html', '', { location: '/p/3' });
    if (path === '/download') return send(200, 'application/pdf', Buffer.from('%PDF-1.4\n%fixture\n'));
    if (path.startsWith('/files/') || path.startsWith('/img/')) return send(200, path.endsWith('.png') ? 'image/png' : 'application/pdf', Buffer.from('binary'));
    if (path.startsWith('/private/')) return send(200, 'text/html; charset=utf-8', html('Private', 'must never be fetched'));
    return send(404, 'text/html', html('Not found', ''));
  });
  await listen(site);
  origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  if (members) members.loginUrl = `${origin}/login`;

  return {
    origin,
    startUrl: `${origin}/`,
    offSiteOrigin,
    hits,
    offSiteHits,
    members,
    membersAuthorized,
    membersAuthorizedBy,
    logins,
    allowedPages: ['/', '/about', '/archive', '/search?a=1&b=2', '/docs', '/docs/guide', ...Array.from({ length: n }, (_, i) => `/p/${i}`)],
    close: async () => {
      await Promise.all([site, offSite].map((s) => new Promise((resolve) => s.close(resolve))));
    },
  };
}

function listen(server: Server): Promise<void> {
  server.keepAliveTimeout = 1_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
}
