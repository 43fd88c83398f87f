import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createOrg, createProject } from '../../src/admin/tenants.ts';
import { createScanRunActivities } from '../../src/activities/scan-runs.ts';
import { connectDatabase, type Database } from '../../src/platform/db.ts';
import { OUTBOX_CHANNEL, recordScanEnd } from '../../src/services/notification-outbox.ts';
import { appendEndEvent, SCAN_EVENT_CHANNEL } from '../../src/services/scan-events.ts';

/**
 * finalizeScanRun closes a run in one statement: the row, the end of its progress log, the
 * scan.completed/failed outbox event and the page snapshots. What it writes is checked field by
 * field against what appendEndEvent and recordScanEnd write for a twin run closed the old way.
 */
let db: Database;
let listener: pg.Client;
const notices: { channel: string; payload: string }[] = [];
beforeAll(async () => {
  db = connectDatabase(process.env.DATABASE_URL!, 3);
  listener = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await listener.connect();
  listener.on('notification', (n) => notices.push({ channel: n.channel, payload: n.payload ?? '' }));
  await listener.query(`LISTEN ${SCAN_EVENT_CHANNEL}; LISTEN ${OUTBOX_CHANNEL}`);
});
afterAll(async () => {
  await listener.end();
  await db.close();
});

const activities = () => createScanRunActivities(db.prisma, { pageSpeedConfigured: false, browserTaskQueue: 'unused' });

async function tenant() {
  const org = await createOrg(db.prisma, `org-${randomUUID()}`);
  const project = await createProject(db.prisma, org.id, 'site');
  return { org_id: org.id, project_id: project.id };
}

/** The security grade the security scanner stored: finalize carries it into the summary. */
const GRADE = { method: 'http-observatory', score: 70, grade: 'B', tests: [] };

/** A running run with two earlier progress events, a page snapshot, and findings (one dismissed). */
async function runningRun(t: { org_id: string; project_id: string }, url = `http://127.0.0.1:9/${randomUUID()}`) {
  const run = await db.prisma.scanRun.create({
    data: { ...t, url, scanners: ['security', 'seo'], status: 'running', event_seq: 2, summary: { security_grade: GRADE }, workflow_id: `held-${randomUUID()}` },
  });
  await db.prisma.pageSnapshot.create({ data: { scan_run_id: run.id, requested_url: url, final_url: url, status: 200, headers: {}, body: '<html></html>' } });
  const findings = await Promise.all(
    (
      [
        ['security', 'high', 'new'],
        ['security', 'critical', 'new'],
        ['seo', 'low', 'new'],
        ['seo', 'medium', 'dismissed'],
      ] as const
    ).map(([domain, severity, status], i) =>
      db.prisma.finding.create({ data: { ...t, domain, severity, status, check_id: `${domain}.c${i}`, title: `${url}-${i}`, last_seen_scan_id: run.id } }),
    ),
  );
  return { run, findingIds: findings.map((f) => f.id) };
}

const slots = { security: { status: 'done' as const }, seo: { status: 'done' as const } };
const outboxOf = (scanRunId: string) => db.prisma.notificationEvent.findMany({ where: { data: { path: ['scan_run_id'], equals: scanRunId } } });
const logOf = (scanRunId: string) => db.prisma.scanRunEvent.findMany({ where: { scan_run_id: scanRunId }, orderBy: { seq: 'asc' } });

it('a completed run: row, end event and NOTIFY, scan.completed as recordScanEnd writes it, snapshots gone; a second close changes nothing', async () => {
  const t = await tenant();
  const { run, findingIds } = await runningRun(t);
  notices.length = 0;
  const outcome = await activities().finalizeScanRun(run.id, slots, findingIds);
  // Three findings count (the dismissed one is an accepted risk).
  expect(outcome).toEqual({ status: 'completed', healthScore: expect.any(Number), findings: 3 });

  const row = await db.prisma.scanRun.findUniqueOrThrow({ where: { id: run.id } });
  expect(row).toMatchObject({ status: 'completed', scanner_status: slots, failure_reason: null, event_seq: 3 });
  expect(row.finished_at).toBeInstanceOf(Date);
  expect(row.updated_at.getTime()).toBeGreaterThanOrEqual(run.updated_at.getTime());
  expect(row.summary).toMatchObject({
    health_score: outcome.healthScore,
    findings_total: 3,
    counts: { by_severity: { critical: 1, high: 1, medium: 0, low: 1 }, by_domain: { security: 2, seo: 1 } },
    security_grade: GRADE,
  });
  expect(await logOf(run.id)).toEqual([expect.objectContaining({ seq: 3, kind: 'completed', data: { status: 'completed' } })]);
  expect(await db.prisma.pageSnapshot.count({ where: { scan_run_id: run.id } })).toBe(0);

  // The twin, closed the old way: its outbox row is the shape the new statement must write.
  const twin = await runningRun(t);
  await db.prisma.$transaction(async (tx) => {
    await tx.scanRun.update({ where: { id: twin.run.id }, data: { status: 'completed' } });
    await appendEndEvent(tx, twin.run.id, 'completed');
    await recordScanEnd(tx, twin.run.id, 'completed', { health_score: outcome.healthScore, findings: 3, failure_reason: null });
  });
  const [mine] = await outboxOf(run.id);
  const [theirs] = await outboxOf(twin.run.id);
  expect(mine).toMatchObject({ ...t, type: 'scan.completed', severity: null, dispatched_at: null, data: { ...(theirs!.data as object), scan_run_id: run.id, url: run.url } });
  expect(Object.keys(mine!.data as object).sort()).toEqual(Object.keys(theirs!.data as object).sort());
  expect((await logOf(twin.run.id)).map(({ kind, data }) => ({ kind, data }))).toEqual((await logOf(run.id)).map(({ kind, data }) => ({ kind, data })));

  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(notices).toEqual(expect.arrayContaining([{ channel: SCAN_EVENT_CHANNEL, payload: `${run.id}:3` }, { channel: OUTBOX_CHANNEL, payload: mine!.id }]));

  // Closed already (a retry, the sweeper): nothing more is written.
  await db.prisma.pageSnapshot.create({ data: { scan_run_id: run.id, requested_url: run.url, final_url: run.url, status: 200, headers: {}, body: '' } });
  await activities().finalizeScanRun(run.id, slots, findingIds);
  expect(await logOf(run.id)).toHaveLength(1);
  expect(await outboxOf(run.id)).toHaveLength(1);
  expect(await db.prisma.scanRun.findUniqueOrThrow({ where: { id: run.id } })).toMatchObject({ event_seq: 3, finished_at: row.finished_at });
  expect(await db.prisma.pageSnapshot.count({ where: { scan_run_id: run.id } })).toBe(0);
});

it('a run whose every scanner failed: failed with the common reason, empty summary, scan.failed', async () => {
  const t = await tenant();
  const { run, findingIds } = await runningRun(t);
  const failed = { security: { status: 'failed' as const, error: 'login failed: success check not met' }, seo: { status: 'failed' as const, error: 'timeout' } };
  expect(await activities().finalizeScanRun(run.id, failed, findingIds)).toEqual({ status: 'failed', healthScore: null, findings: 3 });
  expect(await db.prisma.scanRun.findUniqueOrThrow({ where: { id: run.id } })).toMatchObject({
    status: 'failed',
    summary: {},
    failure_reason: 'login failed: success check not met',
  });
  expect((await outboxOf(run.id)).map((e) => [e.type, e.data])).toEqual([
    ['scan.failed', { scan_run_id: run.id, url: run.url, status: 'failed', health_score: null, findings: 3, failure_reason: 'login failed: success check not met' }],
  ]);
  expect((await logOf(run.id)).map((e) => e.kind)).toEqual(['failed']);
});

it('a crawl’s page scan writes no scan.completed (the crawl’s end is one event)', async () => {
  const t = await tenant();
  const { run, findingIds } = await runningRun(t);
  const crawl = await db.prisma.crawl.create({ data: { ...t, url: 'http://127.0.0.1:9/', max_pages: 10, max_depth: 2, include: [], exclude: [], scanners: ['security'], workflow_id: `crawl-${randomUUID()}` } });
  await db.prisma.crawlPage.create({ data: { crawl_id: crawl.id, url: run.url, depth: 0, scan_run_id: run.id } });
  expect((await activities().finalizeScanRun(run.id, slots, findingIds)).status).toBe('completed');
  expect(await outboxOf(run.id)).toEqual([]);
  expect((await logOf(run.id)).map((e) => e.kind)).toEqual(['completed']);
});
