import { createServer, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { call, eventually } from '../support/http.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { createTenant, type Tenant } from '../support/tenants.ts';
import { scanToEnd } from '../support/scans.ts';

/**
 * The security grade through the API: a security-only scan of fixture responses on 127.0.0.1, read back
 * with GET scans/:id (validated against the OpenAPI schema by call()).
 */

const PAGE = '<!doctype html><html lang="en"><head><title>Graded</title></head><body><h1>Graded</h1></body></html>';

const RESPONSES: Record<string, OutgoingHttpHeaders> = {
  // Every header at its best, but served over plain HTTP: no HSTS (-20) and no redirect (-20) hold the
  // score under 90, so none of the bonuses (CSP +10, referrer +5, frame-ancestors +5, CORP +10) count.
  '/strong': {
    'content-security-policy': "default-src 'none'; img-src 'self'; style-src 'self'; form-action 'self'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-resource-policy': 'same-origin',
  },
  // The same and worse: no CSP (-25), framable (-20), nosniff missing (-5), a session cookie over HTTP (-40).
  '/weak': { 'set-cookie': 'sessionid=opaque; Path=/' },
};

let stack: Stack;
let server: Server;
let origin: string;
let tenant: Tenant;

beforeAll(async () => {
  server = createServer((req, res) => {
    const headers = RESPONSES[req.url ?? ''];
    if (!headers) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...headers }).end(PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stack = await startStack();
  tenant = await createTenant(stack.db.prisma, stack.baseUrl);
});
afterAll(async () => {
  await stack.close();
  await new Promise((resolve) => server.close(resolve));
});

const securityScan = (path: string) => scanToEnd(tenant, `${origin}${path}`, ['security']);

const moved = (grade: { tests: { test: string; modifier: number; counted: boolean }[] }) =>
  grade.tests.filter((t) => t.counted).map((t) => [t.test, t.modifier]);

it('grades a strong page served over HTTP: penalties only, bonuses withheld under 90', async () => {
  const run = await securityScan('/strong');
  expect(run.status).toBe('completed');
  expect(run.summary.security_grade).toMatchObject({ method: 'http-observatory', score: 60, grade: 'C+' });
  expect(moved(run.summary.security_grade)).toEqual([['redirection', -20], ['strict-transport-security', -20]]);
  const bonuses = run.summary.security_grade.tests.filter((t: { modifier: number }) => t.modifier > 0);
  expect(bonuses.map((t: { test: string; counted: boolean }) => [t.test, t.counted])).toEqual([
    ['content-security-policy', false], ['referrer-policy', false], ['x-frame-options', false], ['cross-origin-resource-policy', false],
  ]);
  // Next to our own health score, which the findings give.
  expect(typeof run.summary.health_score).toBe('number');
});

it('grades a weak page lower, naming what cost the points', async () => {
  const run = await securityScan('/weak');
  expect(run.status).toBe('completed');
  expect(run.summary.security_grade).toMatchObject({ score: 0, grade: 'F' });
  expect(moved(run.summary.security_grade)).toEqual([
    ['content-security-policy', -25],
    ['cookies', -40],
    ['redirection', -20],
    ['strict-transport-security', -20],
    ['x-content-type-options', -5],
    ['x-frame-options', -20],
  ]);
});

it('keeps no grade on a scan without the security scanner', async () => {
  const started = await call('POST', `${tenant.audit}/scans/run`, { key: tenant.writeKey, body: { url: `${origin}/strong`, scanners: ['seo'] } });
  const done = await eventually(
    () => call('GET', `${tenant.audit}/scans/${started.body.data.id}`, { key: tenant.readKey }),
    (r) => ['completed', 'failed'].includes(r.body.data.status),
    60_000,
  );
  expect(done.body.data.status).toBe('completed');
  expect(done.body.data.summary.security_grade).toBeUndefined();
});
