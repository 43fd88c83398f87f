import { randomBytes } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { Worker } from '@temporalio/worker';
import { createActivities, type Activities } from '../../src/activities/index.ts';
import { createLightScanActivities } from '../../src/activities/light-scan.ts';
import { openRun } from '../../src/activities/scan-runs.ts';
import { setProvider } from '../../src/ai/provider-settings.ts';
import { scanTimeouts } from '../../src/domain/activity-timeouts.ts';
import { createSafeFetcher, type SafeFetcher } from '../../src/gather/safe-fetch.ts';
import { migrate } from '../../src/platform/migrate.ts';
import { quotaStatus } from '../../src/services/ai-quota.ts';
import { SCAN_PATCHES } from '../../src/workflows/scan.ts';
import { startFixtureSite, type FixtureSite } from '../support/fixture-site.ts';
import { call } from '../support/http.ts';
import { createScratchDatabase, dropDatabase } from '../support/scratch-database.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { workflowBundle } from '../support/temporal.ts';
import { createTenant, type Tenant } from '../support/tenants.ts';

// ScanWorkflow's failure path on a real Temporal server and a real database: the real activities,
// but for one step that fails for good. An AI provider is instance-wide (scans are charged only
// with one), so this file has a database of its own.

let databaseUrl: string;
let stack: Stack;
let site: FixtureSite;
let fetcher: SafeFetcher;

beforeAll(async () => {
  databaseUrl = await createScratchDatabase();
  await migrate(databaseUrl);
  site = await startFixtureSite();
  // The API only: the workers are this file's, each with its sabotaged step.
  stack = await startStack({ DATABASE_URL: databaseUrl, SITEWARDEN_SECRET: randomBytes(32).toString('base64url'), SCAN_FETCH_TIMEOUT_MS: '20000' }, { worker: false });
  // Never called: the scans here run no AI stage. Configured, it makes each scan cost one unit.
  await setProvider(stack.db.prisma, stack.config, { provider: 'anthropic', apiKey: 'sk-ant-test-unused', baseUrl: 'http://127.0.0.1:9/' });
  fetcher = createSafeFetcher({ allowlist: stack.config.allowlist, timeoutMs: stack.config.SCAN_FETCH_TIMEOUT_MS });
});
afterAll(async () => {
  await stack?.close();
  await fetcher?.close();
  await site?.close();
  if (databaseUrl) await dropDatabase(databaseUrl);
});

/** Runs one scan through the API with the real activities, `overrides` replacing some. */
async function scanWith(t: Tenant, overrides: Partial<Activities>, scanners = ['security', 'seo']) {
  const activities = { ...createActivities({ prisma: stack.db.prisma, config: stack.config, fetcher }), ...overrides };
  const common = { connection: stack.temporal.nativeConnection, activities };
  const [main, browser] = await Promise.all([
    Worker.create({ ...common, taskQueue: stack.config.TEMPORAL_TASK_QUEUE, workflowBundle: workflowBundle() }),
    Worker.create({ ...common, taskQueue: stack.config.TEMPORAL_BROWSER_TASK_QUEUE }),
  ]);
  const browserRunning = browser.run();
  try {
    return await main.runUntil(async () => {
      const started = await call('POST', `${t.audit}/scans/run`, { key: t.writeKey, body: { url: site.defectsUrl, scanners } });
      expect(started.status).toBe(202);
      const handle = stack.temporal.client.workflow.getHandle(started.body.data.workflow_id);
      const outcome = await handle.result();
      const history = await handle.fetchHistory();
      return { id: started.body.data.id as string, outcome, history };
    });
  } finally {
    browser.shutdown();
    await browserRunning;
  }
}

const unitsUsed = async (t: Tenant) => (await quotaStatus(stack.db.prisma, stack.config, t.orgId)).used;

it('a step that exhausts its retries closes the run failed with the reason, deletes its page snapshot and refunds its AI unit', async () => {
  const t = await createTenant(stack.db.prisma, stack.baseUrl);
  let snapshotsWhileRunning = 0;
  const { id, outcome, history } = await scanWith(
    t,
    {
      // A browser scanner (here a stand-in, no Chromium) keeps the page capture and its snapshot.
      runAccessibilityScanner: async () => ({ findings: 0, findingIds: [], aiReview: 'skipped' }),
      // The closing step (scores, AI plan, close: one local activity since scan-fewer-round-trips).
      async closeScanRun(scanRunId) {
        snapshotsWhileRunning = await stack.db.prisma.pageSnapshot.count({ where: { scan_run_id: scanRunId } });
        throw ApplicationFailure.nonRetryable('the scores could not be written', 'ScoresRefused');
      },
    },
    ['security', 'accessibility'],
  );
  expect(snapshotsWhileRunning).toBe(1); // the capture happened, so there was something to release

  expect(outcome).toEqual({ status: 'failed', healthScore: null, findings: 0 });
  const run = await stack.db.prisma.scanRun.findUniqueOrThrow({ where: { id } });
  expect(run).toMatchObject({ status: 'failed', failure_reason: 'the scores could not be written', ai_charge_period: null });
  expect(run.finished_at).not.toBeNull();
  expect(await stack.db.prisma.pageSnapshot.count({ where: { scan_run_id: id } })).toBe(0);
  expect(await unitsUsed(t)).toBe(0);
  const api = await call('GET', `${t.audit}/scans/${id}`, { key: t.readKey });
  expect(api.body.data).toMatchObject({ status: 'failed' });

  // The path is behind its patch: the marker is in the history of the run.
  const patches = history
    .events!.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
    .map((e) => JSON.parse(Buffer.from(e.markerRecordedEventAttributes!.details!['patch-data']!.payloads![0]!.data!).toString()).id);
  // (scan-light-one-activity: every new run opens with openLightScan, a scan that is not light too.)
  expect(patches).toEqual([SCAN_PATCHES.fewerRoundTrips, SCAN_PATCHES.lightOneActivity, SCAN_PATCHES.failurePath]);
}, 60_000);

it('the failure path of a scan of HTTP scanners only (one local activity, no page snapshot): closed failed, unit refunded', async () => {
  const t = await createTenant(stack.db.prisma, stack.baseUrl);
  let snapshotsWhileRunning = -1;
  // openLightScan's own steps, its closing one sabotaged (patch scan-light-one-activity).
  const real = createActivities({ prisma: stack.db.prisma, config: stack.config, fetcher });
  const { openLightScan } = createLightScanActivities({
    ...real,
    open: (scanRunId) => openRun(stack.db.prisma, { pageSpeedConfigured: false, browserTaskQueue: stack.config.TEMPORAL_BROWSER_TASK_QUEUE }, scanRunId),
    async closeScanRun(scanRunId) {
      snapshotsWhileRunning = await stack.db.prisma.pageSnapshot.count({ where: { scan_run_id: scanRunId } });
      throw ApplicationFailure.nonRetryable('the scores could not be written', 'ScoresRefused');
    },
  });
  const { id, outcome, history } = await scanWith(t, { openLightScan });
  expect(snapshotsWhileRunning).toBe(0); // the page was kept in memory
  expect(outcome).toEqual({ status: 'failed', healthScore: null, findings: 0 });
  expect(await stack.db.prisma.scanRun.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'failed', failure_reason: 'the scores could not be written', ai_charge_period: null });
  expect(await unitsUsed(t)).toBe(0);
  const patches = history
    .events!.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
    .map((e) => JSON.parse(Buffer.from(e.markerRecordedEventAttributes!.details!['patch-data']!.payloads![0]!.data!).toString()).id);
  expect(patches).toEqual([SCAN_PATCHES.fewerRoundTrips, SCAN_PATCHES.lightOneActivity, SCAN_PATCHES.failurePath]);
  // The light scan ran as one local activity (patch scan-light-one-activity): no activity task at all.
  const scheduled = history.events!.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType!.name] : []));
  expect(scheduled).toEqual([]);
}, 60_000);

it('a run whose start step fails for good leaves no queued row behind', async () => {
  const t = await createTenant(stack.db.prisma, stack.baseUrl);
  const { id, outcome } = await scanWith(t, {
    // The opening step (the plan and the slots: one local activity since scan-fewer-round-trips,
    // openLightScan since scan-light-one-activity).
    async openLightScan() {
      throw ApplicationFailure.nonRetryable('the run could not be read', 'RunUnreadable');
    },
  });
  expect(outcome.status).toBe('failed');
  expect(await stack.db.prisma.scanRun.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'failed', failure_reason: 'the run could not be read' });
  expect(await unitsUsed(t)).toBe(0);
}, 60_000);

it('a completed scan keeps its unit; the activities get the timeouts derived from the configuration', async () => {
  const t = await createTenant(stack.db.prisma, stack.baseUrl);
  const real = createActivities({ prisma: stack.db.prisma, config: stack.config, fetcher });
  const timeouts: Record<string, number | undefined> = {};
  const { outcome } = await scanWith(
    t,
    {
      async capturePage(scanRunId) {
        timeouts.capturePage = Context.current().info.startToCloseTimeoutMs;
        return real.capturePage(scanRunId);
      },
      async runSeoScanner(scanRunId, snapshotId) {
        timeouts.runSeoScanner = Context.current().info.startToCloseTimeoutMs;
        return real.runSeoScanner(scanRunId, snapshotId);
      },
      runAccessibilityScanner: async () => ({ findings: 0, findingIds: [], aiReview: 'skipped' }),
    },
    ['seo', 'accessibility'],
  );
  expect(outcome.status).toBe('completed');
  expect(await unitsUsed(t)).toBe(1);
  const light = await scanWith(t, {
    async openLightScan(scanRunId) {
      timeouts.openLightScan = Context.current().info.startToCloseTimeoutMs;
      return real.openLightScan(scanRunId);
    },
  });
  expect(light.outcome.status).toBe('completed');
  expect(await unitsUsed(t)).toBe(2);
  // A cancel that lands as a light scan's one workflow task closes the run completed runs the
  // failure path's compensations after it: a completed run is not refunded.
  expect(await real.refundScanRun(light.id)).toEqual({ refunded: false });
  expect(await unitsUsed(t)).toBe(2);
  const expected = scanTimeouts(stack.config);
  // SCAN_FETCH_TIMEOUT_MS=20000: one fetch plus the bookkeeping, two (robots.txt, sitemap) plus it,
  // and the page then both scanners side by side (three) plus it.
  // openLightScan makes the plan, so its timeout is fixed (10 min): wide enough for runHttpScanners' own.
  expect(timeouts).toEqual({ capturePage: expected.pageFetchMs, runSeoScanner: expected.httpScannerMs, openLightScan: 600_000 });
  expect(timeouts.openLightScan).toBeGreaterThan(expected.httpScansMs! + 2 * 60_000);
  expect(expected).toMatchObject({ pageFetchMs: 50_000, httpScannerMs: 70_000, httpScansMs: 90_000 });
}, 60_000);
