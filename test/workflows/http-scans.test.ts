import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createScanRunActivities } from '../../src/activities/scan-runs.ts';
import { createHttpScans, type HttpScan, type HttpScansResult } from '../../src/activities/scanners/http-scans.ts';
import { securityScan } from '../../src/activities/scanners/security.ts';
import { seoScan } from '../../src/activities/scanners/seo.ts';
import { HTTP_SCANS_ATTEMPTS } from '../../src/domain/scanners.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { resolveInstanceSecret } from '../../src/platform/crypto.ts';
import { connectDatabase, type Database } from '../../src/platform/db.ts';
import { createSafeFetcher, type SafeFetcher } from '../../src/gather/safe-fetch.ts';
import { startFixtureSite, type FixtureSite } from '../support/fixture-site.ts';

// runHttpScanners (patch scan-one-http-activity) with the real scanners on the test database and
// the fixture site, attempt by attempt as Temporal would run them: a scanner's transient failure is
// run again within the attempt (never the other scanner); its last run's failure settles its slot.

let db: Database;
let site: FixtureSite;
let fetcher: SafeFetcher;
beforeAll(async () => {
  db = connectDatabase(process.env.DATABASE_URL!, 2);
  site = await startFixtureSite();
  fetcher = createSafeFetcher({ allowlist: loadConfig({ SITEWARDEN_ALLOW_PRIVATE_HOSTS: '127.0.0.1' }).allowlist, timeoutMs: 10_000 });
});
afterAll(async () => {
  await fetcher?.close();
  await site?.close();
  await db?.close();
});

async function runningScan(): Promise<string> {
  const org = await db.prisma.org.create({ data: { name: 'http scans' } });
  await db.prisma.project.create({ data: { org_id: org.id, id: 'site', name: 'Site' } });
  const id = randomUUID();
  await db.prisma.scanRun.create({
    data: {
      id,
      org_id: org.id,
      project_id: 'site',
      url: site.defectsUrl,
      scanners: ['security', 'seo'],
      status: 'running',
      scanner_status: { security: { status: 'running' }, seo: { status: 'running' } },
      workflow_id: `scan-${id}`,
    },
  });
  return id;
}

/** The activity with the real scanners, counting their runs; `seoFails(attempt)` makes SEO fail transiently. */
function activity(seoFails: (run: number) => boolean) {
  const runs = { security: 0, seo: 0 };
  const security: HttpScan = (scan, page) => (runs.security++, securityScan(db.prisma, fetcher, scan, page));
  const seo: HttpScan = (scan, page) => (++runs.seo, seoFails(runs.seo) ? Promise.reject(new Error('connection reset')) : seoScan(db.prisma, fetcher, scan, page));
  const { recordScannerSlot } = createScanRunActivities(db.prisma, { pageSpeedConfigured: false, browserTaskQueue: 'unused' });
  const { runHttpScanners } = createHttpScans(db.prisma, fetcher, resolveInstanceSecret(loadConfig({})), recordScannerSlot, { security, seo });
  const attempt = (n: number, scanRunId: string): Promise<HttpScansResult> =>
    new MockActivityEnvironment({ attempt: n }).run(() => runHttpScanners(scanRunId, ['security', 'seo']));
  return { runs, attempt };
}

const slotsOf = async (id: string) => (await db.prisma.scanRun.findUniqueOrThrow({ where: { id }, select: { scanner_status: true } })).scanner_status;

test('a transient SEO failure runs SEO again within the attempt, never security; both settle done', async () => {
  const id = await runningScan();
  const { runs, attempt } = activity((run) => run === 1);
  const result = await attempt(1, id);
  expect(runs).toEqual({ security: 1, seo: 2 });
  expect(result.slots).toEqual({ security: { status: 'done' }, seo: { status: 'done' } });
  expect(await slotsOf(id)).toEqual({ security: { status: 'done' }, seo: { status: 'done' } });
  const recorded = await db.prisma.finding.findMany({ where: { last_seen_scan_id: id }, select: { id: true, domain: true } });
  expect(new Set(recorded.map((f) => f.domain))).toEqual(new Set(['security', 'seo']));
  expect([...result.findingIds].sort()).toEqual(recorded.map((f) => f.id).sort());
  // One progress event per slot change.
  const events = await db.prisma.scanRunEvent.findMany({ where: { scan_run_id: id }, orderBy: { seq: 'asc' } });
  expect(events.map((e) => e.data)).toEqual(expect.arrayContaining([{ scanner: 'security', status: 'done' }, { scanner: 'seo', status: 'done' }]));
  expect(events).toHaveLength(2);
});

test(`a scanner failing all ${HTTP_SCANS_ATTEMPTS} runs settles its slot failed; the activity returns with the other done`, async () => {
  const id = await runningScan();
  const { runs, attempt } = activity(() => true);
  const result = await attempt(1, id);
  expect(runs).toEqual({ security: 1, seo: HTTP_SCANS_ATTEMPTS });
  expect(result.slots).toEqual({ security: { status: 'done' }, seo: { status: 'failed', error: 'connection reset' } });
  expect(await slotsOf(id)).toEqual(result.slots);
});

test('a retry after a lost attempt runs both again: the same slots and finding ids, no second progress event', async () => {
  const id = await runningScan();
  const { attempt } = activity(() => false);
  const first = await attempt(1, id);
  const again = await attempt(2, id);
  expect(again.slots).toEqual(first.slots);
  expect([...again.findingIds].sort()).toEqual([...first.findingIds].sort());
  expect(await db.prisma.scanRunEvent.count({ where: { scan_run_id: id } })).toBe(2);
});

test('a page that cannot be fetched fails the activity, permanently for a 404, and settles nothing', async () => {
  const id = await runningScan();
  await db.prisma.scanRun.update({ where: { id }, data: { url: site.missingUrl } });
  const { runs, attempt } = activity(() => false);
  const failure = await attempt(1, id).catch((err: unknown) => err);
  expect(failure).toMatchObject({ nonRetryable: true });
  expect(runs).toEqual({ security: 0, seo: 0 });
  expect(await slotsOf(id)).toEqual({ security: { status: 'running' }, seo: { status: 'running' } });
});
