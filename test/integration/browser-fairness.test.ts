import { startFixtureSite, type FixtureSite } from '../support/fixture-site.ts';
import { call, eventually } from '../support/http.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { createTenant, type Tenant } from '../support/tenants.ts';

// The browser queue shared between orgs (docs/scanning.md, "Fair share"), on the real stack:
// one Chromium slot, one lease per org. Timing is asserted as order (which scans finished before
// which), never as durations; the wait figures are in bench/browser-fairness.ts.

let site: FixtureSite;
beforeAll(async () => {
  site = await startFixtureSite();
});
afterAll(async () => {
  await site?.close();
});

async function startScan(stack: Stack, tenant: Tenant, url: string): Promise<string> {
  const res = await call('POST', `${tenant.audit}/scans/run`, { key: tenant.writeKey, body: { url, scanners: ['accessibility'] } });
  expect(res.status).toBe(202);
  return res.body.data.id;
}

async function finished(stack: Stack, tenant: Tenant, id: string) {
  const res = await eventually(
    () => call('GET', `${tenant.audit}/scans/${id}`, { key: tenant.readKey }),
    (r) => ['completed', 'failed'].includes(r.body.data.status),
    240_000,
  );
  return res.body.data as { id: string; status: string; finished_at: string; scanner_status: Record<string, { status: string; error?: string }> };
}

test("org A floods the browser queue; org B's scan, started after, runs next instead of last", async () => {
  const stack = await startStack({ BROWSER_CONCURRENCY: '1', BROWSER_ORG_CONCURRENCY: '1', BROWSER_QUEUE_MAX_WAIT_SECONDS: '600' });
  try {
    const [a, b] = [await createTenant(stack.db.prisma, stack.baseUrl), await createTenant(stack.db.prisma, stack.baseUrl)];
    const queue = stack.config.TEMPORAL_BROWSER_TASK_QUEUE;
    // axe (these scans are accessibility only) takes the leases of its own slot kind (docs/scanning.md, "axe beside Lighthouse").
    const pool = `${queue}:axe`;
    // A lease left by a worker that died: expired, so it must not hold B back.
    await stack.db.prisma.$executeRaw`
      INSERT INTO browser_leases (pool, org_id, slot, holder, expires_at)
      VALUES (${pool}, ${b.orgId}::uuid, 0, 'scan-dead/1#1', now() - interval '1 second')`;

    // Four: first come, first served would finish all four before B, two past the bound below.
    const flood = 4;
    const aIds: string[] = [];
    for (let i = 0; i < flood; i++) aIds.push(await startScan(stack, a, `${site.slowUrl}?a=${i}`));
    const bId = await startScan(stack, b, `${site.slowUrl}?b=1`);

    const [aRuns, bRun] = await Promise.all([Promise.all(aIds.map((id) => finished(stack, a, id))), finished(stack, b, bId)]);
    expect(bRun).toMatchObject({ status: 'completed', scanner_status: { accessibility: { status: 'done' } } });
    expect(aRuns.every((r) => r.status === 'completed')).toBe(true);
    // First come, first served would finish all of A's first. With one lease per org, B's
    // task waits beside at most the one A scan holding the slot (two on a race at the start).
    const aBeforeB = aRuns.filter((r) => new Date(r.finished_at) < new Date(bRun.finished_at)).length;
    expect(aBeforeB).toBeLessThanOrEqual(2);
    // Every lease was given back (the expired one was taken over, then released).
    expect(await stack.db.prisma.browserLease.count({ where: { pool: { startsWith: queue } } })).toBe(0);
  } finally {
    await stack.close();
  }
}, 300_000);

test('a scan that waits longer than BROWSER_QUEUE_MAX_WAIT_SECONDS fails its slot with the reason', async () => {
  const stack = await startStack({ BROWSER_CONCURRENCY: '1', BROWSER_ORG_CONCURRENCY: '1', BROWSER_QUEUE_MAX_WAIT_SECONDS: '2' });
  try {
    const a = await createTenant(stack.db.prisma, stack.baseUrl);
    // The slow page takes SLOW_MS (3 s) to load in Chromium: the one running holds A's lease past the wait.
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await startScan(stack, a, `${site.slowUrl}?w=${i}`));
    const runs = await Promise.all(ids.map((id) => finished(stack, a, id)));
    const slots = runs.map((r) => r.scanner_status.accessibility);
    expect(slots.filter((s) => s?.status === 'done').length).toBeGreaterThanOrEqual(1);
    const waited = runs.filter((r) => r.scanner_status.accessibility?.status === 'failed');
    expect(waited.length).toBeGreaterThanOrEqual(1);
    for (const run of waited) {
      expect(run.scanner_status.accessibility).toEqual({ status: 'failed', error: 'browser queue wait exceeded 2 s' });
      expect(run.status).toBe('failed');
    }
    expect(await stack.db.prisma.browserLease.count({ where: { pool: { startsWith: stack.config.TEMPORAL_BROWSER_TASK_QUEUE } } })).toBe(0);
  } finally {
    await stack.close();
  }
}, 300_000);
