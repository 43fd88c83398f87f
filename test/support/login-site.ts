import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Two origins on 127.0.0.1 for site-auth tests (docs/site-auth.md):
 * - the site: a login form, and a members area that answers only a signed-in visitor (the
 *   session cookie the login sets, the static cookie, or the token header), 302 to the login
 *   page otherwise. Its pages load resources from, link to and redirect through the other origin;
 * - the other origin (another port of the same host): records every request it gets, headers and
 *   all, so a test can check no credential ever reached it.
 */

export interface SeenRequest {
  method: string;
  path: string;
  userAgent: string;
  /** Signed in by one of the three means. */
  authorized: boolean;
  /** Every header, raw (names as sent), and the body: searched for the credentials. */
  raw: string;
}

export interface LoginSite {
  /** The site's origin, e.g. http://127.0.0.1:41234 */
  origin: string;
  /** The recording origin. */
  other: string;
  /**
   * Start here: 302 through the other origin, back to /members. The members page's
   * /members/away.png redirects to the other origin; `#away-done` appears once it settled.
   */
  entryUrl: string;
  membersUrl: string;
  loginUrl: string;
  credentials: { user: string; password: string; headerName: string; headerValue: string; cookieName: string; cookieValue: string };
  /** Session ids the login handed out (secrets too). */
  sessions: Set<string>;
  siteRequests: SeenRequest[];
  otherRequests: SeenRequest[];
  close(): Promise<void>;
}

const MEMBERS_TITLE = 'Members area: quarterly revenue dashboard';
export { MEMBERS_TITLE };

export async function startLoginSite(): Promise<LoginSite> {
  const secret = () => randomBytes(12).toString('hex');
  const credentials = {
    user: 'auditor',
    password: `pw-${secret()}`,
    headerName: 'X-Site-Token',
    headerValue: `hdr-${secret()}`,
    cookieName: 'static_session',
    cookieValue: `ck-${secret()}`,
  };
  const sessions = new Set<string>();
  const siteRequests: SeenRequest[] = [];
  const otherRequests: SeenRequest[] = [];
  let origin = '';
  let other = '';

  const cookiesOf = (req: http.IncomingMessage) =>
    Object.fromEntries(
      String(req.headers.cookie ?? '')
        .split(';')
        .map((part) => part.trim().split('='))
        .filter((pair) => pair.length === 2) as [string, string][],
    );
  const signedIn = (req: http.IncomingMessage) => {
    const cookies = cookiesOf(req);
    return (
      req.headers[credentials.headerName.toLowerCase()] === credentials.headerValue ||
      cookies[credentials.cookieName] === credentials.cookieValue ||
      (cookies.sid !== undefined && sessions.has(cookies.sid))
    );
  };
  const readBody = async (req: http.IncomingMessage) => {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    return body;
  };
  const record = (list: SeenRequest[], req: http.IncomingMessage, body: string, authorized: boolean) =>
    list.push({
      method: req.method ?? '',
      path: req.url ?? '',
      userAgent: String(req.headers['user-agent'] ?? ''),
      authorized,
      raw: `${req.rawHeaders.join('\n')}\n${body}`,
    });
  const html = (res: http.ServerResponse, body: string, status = 200) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
    res.end(body);
  };
  const redirect = (res: http.ServerResponse, location: string, headers: Record<string, string> = {}) => {
    res.writeHead(302, { location, ...headers });
    res.end();
  };
  const loginPage = (error = '') => `<!doctype html><html lang="en"><head><title>Sign in</title><meta name="viewport" content="width=device-width"></head>
<body><main><h1>Sign in</h1>${error ? `<p role="alert">${error}</p>` : ''}
<form method="post" action="/login">
<label for="user">User</label><input id="user" name="user" autocomplete="username">
<label for="pass">Password</label><input id="pass" name="pass" type="password" autocomplete="current-password">
<button id="go" type="submit">Sign in</button>
</form></main></body></html>`;

  const site = http.createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const authorized = signedIn(req);
      record(siteRequests, req, body, authorized);
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/login' && req.method === 'POST') {
        const form = new URLSearchParams(body);
        if (form.get('user') === credentials.user && form.get('pass') === credentials.password) {
          const sid = `sid-${secret()}`;
          sessions.add(sid);
          return redirect(res, '/members', { 'set-cookie': `sid=${sid}; Path=/; HttpOnly; SameSite=Lax` });
        }
        return html(res, loginPage('Wrong user or password'), 401);
      }
      if (path === '/login') return html(res, loginPage());
      // Through the other origin and back: the hop there must carry no credential.
      if (path === '/go') return redirect(res, `${other}/bounce`);
      if (path?.startsWith('/members')) {
        if (!authorized) return redirect(res, '/login');
        if (path === '/members/away.png') return redirect(res, `${other}/landed.png`);
        if (path.endsWith('.png')) {
          res.writeHead(200, { 'content-type': 'image/png' });
          return res.end(Buffer.from('89504e470d0a1a0a', 'hex'));
        }
        // A rolling session, as many frameworks keep one: the session cookie again on every page,
        // so it lands in the scanners' browser jars too.
        const sid = cookiesOf(req).sid;
        if (sid && sessions.has(sid)) res.setHeader('set-cookie', `sid=${sid}; Path=/; HttpOnly; SameSite=Lax`);
        return html(
          res,
          `<!doctype html><html lang="en"><head><title>${MEMBERS_TITLE}</title><meta name="viewport" content="width=device-width">
<script src="${other}/tracker.js"></script></head>
<body><main><h1 id="account">Welcome back</h1>
<img src="/members/revenue-chart.png">
<img src="${other}/pixel.png" alt="">
<img src="/members/away.png" alt="" onload="done()" onerror="done()">
<script>function done() { if (!document.getElementById('away-done')) document.body.insertAdjacentHTML('beforeend', '<i id="away-done"></i>'); }</script>
<p><a href="${other}/partner">Our partner</a></p>
</main></body></html>`,
        );
      }
      html(res, '<!doctype html><html lang="en"><head><title>Not here</title></head><body>Not found</body></html>', 404);
    })().catch(() => res.destroy());
  });

  const recorder = http.createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      record(otherRequests, req, body, false);
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/bounce') return redirect(res, `${origin}/members`);
      if (path?.endsWith('.js')) {
        res.writeHead(200, { 'content-type': 'text/javascript' });
        return res.end('window.tracked = true;');
      }
      if (path?.endsWith('.png')) {
        res.writeHead(200, { 'content-type': 'image/png' });
        return res.end(Buffer.from('89504e470d0a1a0a', 'hex'));
      }
      html(res, '<!doctype html><html lang="en"><head><title>Elsewhere</title></head><body>elsewhere</body></html>');
    })().catch(() => res.destroy());
  });

  for (const server of [site, recorder]) {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  }
  origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  other = `http://127.0.0.1:${(recorder.address() as AddressInfo).port}`;
  return {
    origin,
    other,
    entryUrl: `${origin}/go`,
    membersUrl: `${origin}/members`,
    loginUrl: `${origin}/login`,
    credentials,
    sessions,
    siteRequests,
    otherRequests,
    async close() {
      for (const server of [site, recorder]) server.closeAllConnections();
      await Promise.all([site, recorder].map((server) => new Promise((resolve) => server.close(resolve))));
    },
  };
}
