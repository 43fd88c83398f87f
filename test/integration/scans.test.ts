import { call, eventually } from '../support/http.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { createTenant, type Tenant } from '../support/tenants.ts';
import { scanStatusQuery } from '../../src/workflows/scan.ts';

let stack: Stack;
let t: Tenant;

beforeAll(async () => {
  stack = await startStack();
  t = await createTenant(stack.db.prisma, stack.baseUrl);
});
afterAll(() => stack.close());

it('POST scans/run → 202 queued, starts ScanWorkflow scan-<id>, which ends the run failed for now', async () => {
  const res = await call('POST', `${t.audit}/scans/run`, { key: t.writeKey, body: { url: 'https://Example.com/pricing?plan=pro', trigger: 'post_deploy' } });
  expect(res.status).toBe(202);
  const scan = res.body.data;
  expect(scan).toMatchObject({
    org_id: t.orgId,
    project_id: t.projectId,
    url: 'https://example.com/pricing?plan=pro',
    trigger: 'post_deploy',
    status: 'queued',
    summary: {},
    finished_at: null,
    workflow_id: `scan-${scan.id}`,
    scanner_status: {
      performance: { status: 'pending' },
      security: { status: 'pending' },
      seo: { status: 'pending' },
      accessibility: { status: 'pending' },
    },
  });
  for (const field of ['started_at', 'inserted_at', 'updated_at']) expect(scan[field]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);

  const handle = stack.temporal.client.workflow.getHandle(`scan-${scan.id}`);
  expect((await handle.describe()).type).toBe('ScanWorkflow');
  await handle.result();
  expect(await handle.query(scanStatusQuery)).toEqual({ status: 'failed', failureReason: 'scanners not built yet' });

  const done = await eventually(
    () => call('GET', `${t.audit}/scans/${scan.id}`, { key: t.readKey }),
    (r) => r.body.data.status === 'failed',
  );
  expect(done.status).toBe(200);
  expect(done.body.data).toMatchObject({ id: scan.id, status: 'failed', failure_reason: 'scanners not built yet' });
  expect(done.body.data.finished_at).not.toBeNull();
});

it('defaults trigger to manual', async () => {
  const res = await call('POST', `${t.audit}/scans/run`, { key: t.writeKey, body: { url: 'https://example.com/' } });
  expect(res.body.data.trigger).toBe('manual');
});

it('GET scans pages newest first with an opaque keyset cursor, stable under inserts', async () => {
  const tenant = await createTenant(stack.db.prisma, stack.baseUrl);
  const created: string[] = [];
  for (let i = 0; i < 5; i++) {
    const res = await call('POST', `${tenant.audit}/scans/run`, { key: tenant.writeKey, body: { url: `https://example.com/${i}` } });
    created.push(res.body.data.id);
  }
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
    if (pages === 0) {
      // A scan started after the first page must not shift the pages that follow.
      await call('POST', `${tenant.audit}/scans/run`, { key: tenant.writeKey, body: { url: 'https://example.com/late' } });
    }
    pages++;
  } while (cursor);
  expect(pages).toBe(3);
  expect(seen).toEqual([...created].reverse());
});
