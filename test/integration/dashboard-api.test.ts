import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer } from 'node:http';
import express from 'express';
import { createKey } from '../../src/admin/tenants.ts';
import { errorHandler, notFoundHandler } from '../../src/api/middleware/errors.ts';
import { requestId } from '../../src/api/middleware/request-id.ts';
import { DASHBOARD_CSP, dashboardRouter } from '../../src/api/routes/dashboard.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { call } from '../support/http.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { createTenant, type Tenant } from '../support/tenants.ts';

/** What the dashboard needs from the API (issue 13): who am I, the org's projects, a finding's history. */

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({}, { worker: false });
});
afterAll(() => stack.close());

const newTenant = () => createTenant(stack.db.prisma, stack.baseUrl);
const projects = (t: Tenant, query = '') => `${stack.baseUrl}/api/v1/orgs/${t.orgId}/projects${query}`;

describe('GET /api/v1/me', () => {
  it("answers the key's org, prefix and scopes, and never the key", async () => {
    const t = await newTenant();
    const res = await call('GET', `${stack.baseUrl}/api/v1/me`, { key: t.readKey });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ org_id: t.orgId, key_prefix: t.readKey.slice(0, 12), scopes: ['audit:read'] });
    expect(res.text).not.toContain(t.readKey);
    expect(res.headers.get('x-ratelimit-limit')).not.toBeNull();
  });

  it('is a 401 without a key, with a malformed one, and with a revoked one', async () => {
    const t = await newTenant();
    expect((await call('GET', `${stack.baseUrl}/api/v1/me`)).status).toBe(401);
    expect((await call('GET', `${stack.baseUrl}/api/v1/me`, { key: 'kr_live_short' })).status).toBe(401);
    await stack.db.prisma.apiKey.updateMany({ where: { org_id: t.orgId }, data: { revoked_at: new Date() } });
    const revoked = await call('GET', `${stack.baseUrl}/api/v1/me`, { key: t.writeKey });
    expect([revoked.status, revoked.body.error.code]).toEqual([401, 'unauthorized']);
  });
});

describe('/api/v1/orgs/:org_id/projects', () => {
  it('creates projects with a write key and lists them by slug, a cursor page at a time', async () => {
    const t = await newTenant();
    for (const id of ['zeta', 'alpha', 'mid-site']) {
      const made = await call('POST', projects(t), { key: t.writeKey, body: { id, ...(id === 'alpha' ? { name: 'Alpha site' } : {}) } });
      expect(made.status).toBe(201);
      expect(made.body.data).toMatchObject({ id, org_id: t.orgId, name: id === 'alpha' ? 'Alpha site' : id });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await call('GET', projects(t, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`), { key: t.readKey });
      expect(res.status).toBe(200);
      expect(res.body.meta.total).toBe(4);
      seen.push(...res.body.data.map((p: { id: string }) => p.id));
      cursor = res.body.meta.next_cursor;
      pages++;
    } while (cursor);
    expect(seen).toEqual(['alpha', 'mid-site', 'production-website', 'zeta']);
    expect(pages).toBe(2);
  });

  it('refuses a duplicate (409), a bad slug (422), a read key (403) and a foreign cursor (422)', async () => {
    const t = await newTenant();
    const dup = await call('POST', projects(t), { key: t.writeKey, body: { id: 'production-website' } });
    expect([dup.status, dup.body.error.code]).toEqual([409, 'conflict']);
    const bad = await call('POST', projects(t), { key: t.writeKey, body: { id: 'Not A Slug' } });
    expect([bad.status, Object.keys(bad.body.error.details)]).toEqual([422, ['id']]);
    const extra = await call('POST', projects(t), { key: t.writeKey, body: { id: 'ok', owner: 'x' } });
    expect(extra.status).toBe(422);
    expect((await call('POST', projects(t), { key: t.readKey, body: { id: 'new-one' } })).status).toBe(403);
    const cursor = await call('GET', projects(t, '?cursor=bm9wZQ'), { key: t.readKey });
    expect([cursor.status, cursor.body.error.details]).toEqual([422, { cursor: ['is not a cursor issued by this API'] }]);
    expect(await stack.db.prisma.project.count({ where: { org_id: t.orgId } })).toBe(1);
  });

  it("is a 404 for another org's id, listing or creating", async () => {
    const [mine, theirs] = await Promise.all([newTenant(), newTenant()]);
    const list = await call('GET', projects(theirs), { key: mine.writeKey });
    expect([list.status, list.body.error.code]).toEqual([404, 'not_found']);
    expect((await call('POST', projects(theirs), { key: mine.writeKey, body: { id: 'sneaky' } })).status).toBe(404);
    expect(await stack.db.prisma.project.count({ where: { org_id: theirs.orgId, id: 'sneaky' } })).toBe(0);
  });

  it('lists the projects of a key made after them, and only its own org', async () => {
    const t = await newTenant();
    const later = await createKey(stack.db.prisma, { orgId: t.orgId, scopes: ['audit:read'] });
    const res = await call('GET', projects(t), { key: later.key });
    expect(res.body.data.map((p: { id: string; org_id: string }) => [p.id, p.org_id])).toEqual([['production-website', t.orgId]]);
  });
});

describe('a finding: edits with a reason, and its history', () => {
  async function seed(t: Tenant) {
    return stack.db.prisma.finding.create({
      data: { org_id: t.orgId, project_id: t.projectId, domain: 'security', check_id: 'security.csp_missing', title: `No CSP ${randomUUID()}`, severity: 'high', severity_source: 'check', status: 'new', priority_score: 50, evidence: {} },
    });
  }

  it('keeps the reason of a bulk change on each finding and lists the history newest first, paged', async () => {
    const t = await newTenant();
    const [a, b] = [await seed(t), await seed(t)];
    const bulk = await call('POST', `${t.audit}/findings/bulk`, { key: t.writeKey, body: { ids: [a.id, b.id], status: 'triaged', reason: '  known, tracked in SEC-1  ' } });
    expect([bulk.status, bulk.body.data.updated]).toEqual([200, 2]);
    const patch = await call('PATCH', `${t.audit}/findings/${a.id}`, { key: t.writeKey, body: { status: 'dismissed', reason: 'accepted risk' } });
    expect(patch.status).toBe(200);
    await call('PATCH', `${t.audit}/findings/${b.id}`, { key: t.writeKey, body: { severity: 'low' } });

    const history = await call('GET', `${t.audit}/findings/${a.id}/events`, { key: t.readKey });
    expect(history.status).toBe(200);
    expect(history.body.data.map((e: Record<string, unknown>) => [e.kind, e.from_status, e.status, e.reason])).toEqual([
      ['status_changed', 'triaged', 'dismissed', 'accepted risk'],
      ['status_changed', 'new', 'triaged', 'known, tracked in SEC-1'],
    ]);
    expect(history.body.data[0].actor).toMatch(/^api_key:[0-9a-f-]{36}$/);
    const first = await call('GET', `${t.audit}/findings/${a.id}/events?limit=1`, { key: t.readKey });
    expect([first.body.data.length, first.body.meta.total]).toEqual([1, 2]);
    const second = await call('GET', `${t.audit}/findings/${a.id}/events?limit=1&cursor=${first.body.meta.next_cursor}`, { key: t.readKey });
    expect(second.body.data.map((e: { reason: string }) => e.reason)).toEqual(['known, tracked in SEC-1']);
    expect(second.body.meta.next_cursor).toBeNull();
    const bEvents = await call('GET', `${t.audit}/findings/${b.id}/events`, { key: t.readKey });
    expect(bEvents.body.data.map((e: Record<string, unknown>) => [e.kind, e.reason])).toEqual([
      ['severity_changed', null],
      ['status_changed', 'known, tracked in SEC-1'],
    ]);
  });

  it("refuses a blank or overlong reason, and another project's finding is a 404", async () => {
    const [t, other] = [await newTenant(), await newTenant()];
    const f = await seed(t);
    expect((await call('PATCH', `${t.audit}/findings/${f.id}`, { key: t.writeKey, body: { status: 'triaged', reason: '   ' } })).status).toBe(422);
    expect((await call('PATCH', `${t.audit}/findings/${f.id}`, { key: t.writeKey, body: { status: 'triaged', reason: 'x'.repeat(501) } })).status).toBe(422);
    expect((await call('PATCH', `${t.audit}/findings/${f.id}`, { key: t.writeKey, body: { reason: 'only a reason' } })).status).toBe(422);
    expect((await call('GET', `${other.audit}/findings/${f.id}/events`, { key: other.readKey })).status).toBe(404);
    expect((await call('GET', `${t.audit}/findings/not-a-uuid/events`, { key: t.readKey })).status).toBe(404);
    expect(await stack.db.prisma.findingEvent.count({ where: { finding_id: f.id } })).toBe(0);
  });
});

describe('the dashboard page and assets', () => {
  let dir: string;
  let base: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'sitewarden-web-'));
    const app = express();
    app.use(requestId());
    const built = path.join(dir, 'built');
    mkdirSync(path.join(built, 'assets'), { recursive: true });
    writeFileSync(path.join(built, 'index.html'), '<!DOCTYPE html><title>t</title><script type="module" src="./assets/index-Ab1.js"></script>');
    writeFileSync(path.join(built, 'assets', 'index-Ab1.js'), 'console.log(1)');
    writeFileSync(path.join(built, 'secret.txt'), 'not served');
    app.use('/built', dashboardRouter(built));
    app.use('/missing', dashboardRouter(path.join(dir, 'nothing-here')));
    app.use(notFoundHandler);
    app.use(errorHandler(createLogger('silent', 'test')));
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise((resolve) => server.close(() => resolve()));
  });
  afterAll(async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the page under a CSP with no inline script and the security headers', async () => {
    const res = await fetch(`${base}/built/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
    expect(DASHBOARD_CSP).toMatch(/script-src 'self'(;|$)/);
    expect(DASHBOARD_CSP).not.toContain('unsafe');
    expect(Object.fromEntries(['x-content-type-options', 'referrer-policy', 'x-frame-options'].map((h) => [h, res.headers.get(h)]))).toEqual({
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
    });
  });

  it('serves only the files the build wrote, with a long cache', async () => {
    const js = await fetch(`${base}/built/assets/index-Ab1.js`, { headers: { 'accept-encoding': 'identity' } });
    expect([js.status, js.headers.get('content-type'), js.headers.get('cache-control'), js.headers.get('content-encoding'), await js.text()]).toEqual([
      200,
      'text/javascript; charset=utf-8',
      'public, max-age=31536000, immutable',
      null,
      'console.log(1)',
    ]);
    // fetch asks for gzip and decodes it: the header says it was sent compressed.
    const gz = await fetch(`${base}/built/assets/index-Ab1.js`);
    expect([gz.headers.get('content-encoding'), gz.headers.get('vary'), await gz.text()]).toEqual(['gzip', 'accept-encoding', 'console.log(1)']);
    for (const probe of ['assets/nope.js', 'assets/..%2Fsecret.txt', 'assets/%2e%2e%2findex.html', 'assets/index-Ab1.js.map']) {
      const res = await fetch(`${base}/built/${probe}`);
      expect([probe, res.status]).toEqual([probe, 404]);
    }
  });

  it('is a 503 in the error envelope when the assets are not built', async () => {
    const res = await fetch(`${base}/missing/`);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect([res.status, body.error.code, body.error.message]).toEqual([503, 'unavailable', expect.stringContaining('not built')]);
  });

  // The set-up (scripts/lib.sh, ensure_web_assets) builds web/dist before any test runs.
  it('the real app serves the built dashboard at /, and every asset the page names', async () => {
    const res = await fetch(`${stack.baseUrl}/`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<div id="app"></div>');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const assets = [...html.matchAll(/(?:src|href)="\.\/(assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const asset of assets) expect([asset, (await fetch(`${stack.baseUrl}/${asset}`)).status]).toEqual([asset, 200]);
  });
});
