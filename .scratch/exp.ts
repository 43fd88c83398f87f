import http from 'node:http';
import { once } from 'node:events';
import { chromium } from 'playwright-core';
import { withBrowser, startGuardProxy } from '/work/wt/siteauth/src/gather/browser.ts';
import { applyOriginAuth } from '/work/wt/siteauth/src/gather/origin-auth-browser.ts';
import { runLighthouse } from '/work/wt/siteauth/src/gather/lighthouse.ts';
import { parseHostAllowlist } from '/work/wt/siteauth/src/gather/ssrf/host-allowlist.ts';

const bases = { a: "", b: "" };
async function server(name: string, handle: (req: http.IncomingMessage, res: http.ServerResponse, base: {a: string, b: string}) => void) {
  const s = http.createServer((req, res) => { console.log(name, req.url, JSON.stringify({ key: req.headers['x-key'], cookie: req.headers.cookie })); handle(req, res, bases); });
  s.listen(0, '127.0.0.1'); await once(s, 'listening');
  return { s, url: `http://127.0.0.1:${(s.address() as any).port}` };
}
(async () => {

const A = await server('A', (req, res, b) => {
  if (req.url === '/start') { res.writeHead(302, { location: `${b.b}/bounce` }); return res.end(); }
  if (req.url === '/setjar') { res.writeHead(200, { 'set-cookie': 'jar=1; Path=/', 'content-type': 'text/html' }); return res.end('ok'); }
  res.writeHead(200, { 'content-type': 'text/html' }); res.end(`<img src="${b.b}/img.png"><img src="/local.png">`);
});
const B = await server('B', (req, res, b) => {
  if (req.url === '/bounce') { res.writeHead(302, { location: `${b.a}/back` }); return res.end(); }
  if (req.url === '/toA') { res.writeHead(302, { location: `${b.a}/fromB` }); return res.end(); }
  res.writeHead(200, { 'content-type': 'text/html' }); res.end('b');
});
bases.a = A.url; bases.b = B.url;
const allowlist = parseHostAllowlist('127.0.0.1');
await withBrowser({ chromePath: '/usr/bin/chromium', guard: { allowlist } }, async (browser) => {
  const session = await applyOriginAuth(browser, { origin: A.url, headers: { 'X-Key': 'sekrit' }, cookies: [{ name: 'sid', value: 'sess', path: '/' }] });
  const proxy = await startGuardProxy(allowlist);
  const cdp = await chromium.connectOverCDP(`http://127.0.0.1:${browser.port}`);
  const ctx = await cdp.newContext({ proxy: { server: proxy.server } });
  const page = await ctx.newPage();
  console.log('--- page'); await page.goto(`${A.url}/page`); await page.waitForLoadState('load');
  console.log('--- start'); await page.goto(`${A.url}/start`);
  console.log('--- setjar'); await page.goto(`${A.url}/setjar`);
  console.log('--- page2'); await page.goto(`${A.url}/page`); await page.waitForLoadState('load');
  console.log('--- B toA'); await page.goto(`${B.url}/toA`);
  console.log(session.counts);
  console.log('--- lighthouse');
  const t=Date.now(); const r = await runLighthouse(browser, `${A.url}/start`, { allowlist, timeoutMs: 90000 }); console.log('lh ok', Date.now()-t, Object.keys(r));
  console.log(session.counts);
  await cdp.close(); proxy.close(); session.close();
});
A.s.close(); B.s.close();
})();
