import { call, eventually } from '../support/http.ts';
import { startFixtureSite, type FixtureSite } from '../support/fixture-site.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { createTenant, type Tenant } from '../support/tenants.ts';
import { scanStatusQuery } from '../../src/workflows/scan.ts';

let stack: Stack;
let site: FixtureSite;
let t: Tenant;

beforeAll(async () => {
  [stack, site] = await Promise.all([startStack(), startFixtureSite()]);
  t = await createTenant(stack.db.prisma, stack.baseUrl);
});
afterAll(async () => {
  await stack.close();
  await site.close();
});

it('POST scans/run → 202 queued, then ScanWorkflow scan-<id> runs it to completed', async () => {
  const url = site.cleanUrl;
  const res = await call('POST', `${t.audit}/scans/run`, { key: t.writeKey, body: { url, trigger: 'post_deploy', scanners: ['seo', 'security'] } });
  expect(res.status).toBe(202);
  const scan = res.body.data;
  expect(scan).toMatchObject({
    org_id: t.orgId,
    project_id: t.projectId,
    url,
    trigger: 'post_deploy',
    status: 'queued',
    summary: {},
    finished_at: null,
    workflow_id: `scan-${scan.id}`,
    scanner_status: { security: { status: 'pending' }, seo: { status: 'pending' } },
  });
  expect(scan.started_at).toBe(scan.inserted_at);
  for (const field of ['started_at', 'inserted_at', 'updated_at']) expect(scan[field]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);

  const handle = stack.temporal.client.workflow.getHandle(`scan-${scan.id}`);
  expect((await handle.describe()).type).toBe('ScanWorkflow');
  await handle.result();
  expect(await handle.query(scanStatusQuery)).toMatchObject({ status: 'completed', health_score: 100 });

  const done = await call('GET', `${t.audit}/scans/${scan.id}`, { key: t.readKey });
  expect(done.body.data).toMatchObject({ id: scan.id, status: 'completed', failure_reason: null, summary: { health_score: 100 } });
  expect(Date.parse(done.body.data.finished_at)).toBeGreaterThanOrEqual(Date.parse(scan.started_at));
});

it('defaults trigger to manual and scanners to all four', async () => {
  const res = await call('POST', `${t.audit}/scans/run`, { key: t.writeKey, body: { url: site.missingUrl } });
  expect(res.body.data.trigger).toBe('manual');
  expect(Object.keys(res.body.data.scanner_status).sort()).toEqual(['accessibility', 'performance', 'security', 'seo']);
  await stack.temporal.client.workflow.getHandle(res.body.data.workflow_id).result();
});

it('GET scans pages newest first with an opaque keyset cursor, stable under inserts', async () => {
  const tenant = await createTenant(stack.db.prisma, stack.baseUrl);
  const start = (path: string) =>
    call('POST', `${tenant.audit}/scans/run`, { key: tenant.writeKey, body: { url: `${site.missingUrl}/${path}`, scanners: ['seo'] } });
  const created: string[] = [];
  for (let i = 0; i < 5; i++) created.push((await start(String(i))).body.data.id);
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const query: string = cursor ? `limit=2&cursor=${encodeURIComponent(cursor)}` : 'limit=2';
    const page = await call('GET', `${tenant.audit}/scans?${query}`, { key: tenant.readKey });
    expect(page.status).toBe(200);
    expect(page.body.meta.total).toBe(5 + (pages > 0 ? 1 : 0));
    seen.push(...page.body.data.map((s: { id: string }) => s.id));
    cursor = page.body.meta.next_cursor;
    // A scan started after the first page must not shift the pages that follow.
    if (pages === 0) await start('late');
    pages++;
  } while (cursor);
  expect(pages).toBe(3);
  expect(seen).toEqual([...created].reverse());
  await eventually(
    () => stack.db.prisma.scanRun.count({ where: { org_id: tenant.orgId, status: { in: ['queued', 'running'] } } }),
    (n) => n === 0,
  );
});
