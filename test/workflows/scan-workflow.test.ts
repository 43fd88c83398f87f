import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../src/activities/index.ts';
import { createLightScanActivities } from '../../src/activities/light-scan.ts';
import { createScanClosingActivities } from '../../src/activities/scan-closing.ts';
import type { ScanPlan } from '../../src/activities/scan-runs.ts';
import type { AnalysisStage } from '../../src/domain/analysis.ts';
import { HTTP_SCANS_ATTEMPTS, SCANNERS, type ScannerName, type ScannerSlot, type ScannerStatus } from '../../src/domain/scanners.ts';
import { SCAN_PATCHES, ScanWorkflow, scanStatusQuery } from '../../src/workflows/scan.ts';
import { startTemporal, workflowBundle } from '../support/temporal.ts';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTemporal();
});
afterAll(() => env?.teardown());

type ScannerBehaviour = () => Promise<{ findings: number; findingIds: string[] }>;

/** Mocked activities on both queues, recording what the workflow asked for. */
async function runScan(options: {
  plan?: Partial<ScanPlan>;
  capture?: () => Promise<{ snapshotId: string }>;
  scanners?: Partial<Record<ScannerName, ScannerBehaviour>>;
  /** The AI stage: skipped (no provider) unless planned; `run` is the analysis activity. */
  analysis?: { plan: AnalysisStage; run?: () => Promise<unknown> };
  whileRunning?: (workflowId: string) => Promise<void>;
}) {
  const taskQueue = `test-${randomUUID()}`;
  const slots: Array<[ScannerName, ScannerSlot]> = [];
  const calls: string[] = [];
  let finalized: Partial<ScannerStatus> | undefined;
  let summarized: string[] = [];
  const analysisStages: AnalysisStage[] = [];
  const ok: ScannerBehaviour = async () => ({ findings: 1, findingIds: ['f-1'] });
  const behaviour = (name: ScannerName) => options.scanners?.[name] ?? ok;
  const plan = (): ScanPlan => ({ scanners: [...SCANNERS], performanceSource: 'lighthouse', browserTaskQueue: `${taskQueue}-browser`, ...options.plan });
  const activities: Partial<Activities> = {
    async startScanRun() {
      return plan();
    },
    // As the real one: the plan, and every planned slot running.
    async openScanRun() {
      const opened = plan();
      for (const name of opened.scanners) slots.push([name, { status: 'running' }]);
      return opened;
    },
    async recordScannerSlot(_id, name, slot) {
      slots.push([name, slot]);
    },
    async capturePage() {
      calls.push('capturePage');
      return (options.capture ?? (async () => ({ snapshotId: 'snap-1' })))();
    },
    runSecurityScanner: (async (_id: string, snapshotId: string) => {
      calls.push(`security:${snapshotId}`);
      return behaviour('security')();
    }) as Activities['runSecurityScanner'],
    runSeoScanner: (async () => behaviour('seo')()) as Activities['runSeoScanner'],
    // As the real one (patch scan-one-http-activity), without its retries: the page, then each
    // scanner settles its own slot; a page that cannot be fetched fails the activity.
    async runHttpScanners(_id, wanted) {
      calls.push(`http:${wanted.join('+')}`);
      await (options.capture ?? (async () => ({ snapshotId: 'in-memory' })))();
      const result: Awaited<ReturnType<Activities['runHttpScanners']>> = { slots: {}, findingIds: [] };
      await Promise.all(
        wanted.map(async (name) => {
          let slot: ScannerSlot;
          try {
            result.findingIds.push(...(await behaviour(name)()).findingIds);
            slot = { status: 'done' };
          } catch (err) {
            slot = { status: 'failed', error: err instanceof Error ? err.message : String(err) };
          }
          result.slots[name] = slot;
          slots.push([name, slot]);
        }),
      );
      return result;
    },
    runAccessibilityScanner: (async () => ({ ...(await behaviour('accessibility')()), aiReview: 'skipped' })) as Activities['runAccessibilityScanner'],
    runPerformanceScanner: (async () => behaviour('performance')()) as Activities['runPerformanceScanner'],
    async scoreScanFindings() {
      calls.push('score');
      return { scored: 0 };
    },
    async planAnalysis() {
      calls.push('planAnalysis');
      return options.analysis?.plan ?? { status: 'skipped', reason: 'no AI provider is configured' };
    },
    async recordAnalysisStage(_id, stage) {
      analysisStages.push(stage);
    },
    async analyzeScanFindings() {
      calls.push('analyze');
      await options.analysis?.run?.();
      return { scored: 1, requests: [] };
    },
    async finalizeScanRun(_id, scannerStatus, findingIds) {
      summarized = findingIds;
      calls.push('finalize');
      finalized = scannerStatus;
      const done = Object.values(scannerStatus).some((s) => s.status === 'done');
      return { status: done ? 'completed' : 'failed', healthScore: done ? 90 : null, findings: 0 };
    },
  };
  // The real composition of the closing step, over the mocks above.
  activities.closeScanRun = createScanClosingActivities(activities as Activities, activities as Activities).closeScanRun;
  // And of a light scan's one activity (patch scan-light-one-activity), with `calls` marking it.
  const light = createLightScanActivities({
    open: async (id) => ({ plan: await activities.openScanRun!(id) }),
    runHttpScanners: (id, wanted) => activities.runHttpScanners!(id, wanted),
    recordScannerSlot: (id, name, slot) => activities.recordScannerSlot!(id, name, slot),
    closeScanRun: (id, status, ids) => activities.closeScanRun!(id, status, ids),
  });
  activities.openLightScan = async (id) => {
    calls.push('openLightScan');
    return light.openLightScan(id);
  };
  const [main, browser] = await Promise.all([
    Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: workflowBundle(), activities }),
    Worker.create({ connection: env.nativeConnection, taskQueue: `${taskQueue}-browser`, activities }),
  ]);
  const browserRunning = browser.run();
  const workflowId = `scan-${randomUUID()}`;
  try {
    const { outcome, progress, history } = await main.runUntil(async () => {
      const handle = await env.client.workflow.start(ScanWorkflow, { taskQueue, workflowId, args: [{ scanRunId: 'run-1' }] });
      await options.whileRunning?.(workflowId);
      const result = await handle.result();
      // A closed workflow still answers queries (replayed by a running worker).
      return { outcome: result, progress: await handle.query(scanStatusQuery), history: await handle.fetchHistory() };
    });
    return { outcome, slots, calls, finalized, summarized, analysisStages, progress, history };
  } finally {
    browser.shutdown();
    await browserRunning;
  }
}

it('runs all four scanners, records every slot transition, scores, then completes', async () => {
  const { outcome, slots, calls, finalized, summarized } = await runScan({});
  expect(summarized).toEqual(['f-1', 'f-1', 'f-1', 'f-1']);
  expect(outcome.status).toBe('completed');
  for (const name of SCANNERS) {
    expect(slots.filter(([n]) => n === name).map(([, s]) => s.status)).toEqual(['running', 'done']);
  }
  expect(finalized).toEqual(Object.fromEntries(SCANNERS.map((n) => [n, { status: 'done' }])));
  expect(calls.filter((c) => c === 'capturePage')).toHaveLength(1);
  expect(calls).toContain('security:snap-1');
  expect(calls.indexOf('score')).toBeGreaterThan(calls.indexOf('security:snap-1'));
});

it('fails one slot on a permanent error without retrying it, and still completes', async () => {
  let attempts = 0;
  const { outcome, finalized } = await runScan({
    scanners: {
      seo: async () => {
        attempts++;
        throw ApplicationFailure.nonRetryable('the page answered HTTP 404', 'TargetClientError');
      },
    },
  });
  expect(attempts).toBe(1);
  expect(finalized?.seo).toEqual({ status: 'failed', error: 'the page answered HTTP 404' });
  expect(finalized?.security).toEqual({ status: 'done' });
  expect(outcome.status).toBe('completed');
});

it('retries a transient scanner failure until it succeeds', async () => {
  let attempts = 0;
  const { finalized } = await runScan({
    scanners: {
      security: async () => {
        if (++attempts < 3) throw new Error('connection reset');
        return { findings: 2, findingIds: ['f-2', 'f-3'] };
      },
    },
  });
  expect(attempts).toBe(3);
  expect(finalized?.security).toEqual({ status: 'done' });
});

it('fails the run when every scanner fails (the page could not be captured)', async () => {
  let captures = 0;
  const { outcome, finalized, calls } = await runScan({
    capture: async () => {
      captures++;
      throw ApplicationFailure.nonRetryable('the page is not HTML (content-type: application/pdf)', 'NotHtml');
    },
  });
  expect(captures).toBe(1);
  expect(outcome.status).toBe('failed');
  for (const name of SCANNERS) {
    expect(finalized?.[name]).toEqual({ status: 'failed', error: 'the page is not HTML (content-type: application/pdf)' });
  }
  expect(calls).not.toContain('security:snap-1');
});

it('answers the status query mid-run with live slots', async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let midRun: unknown;
  const { outcome } = await runScan({
    scanners: { accessibility: () => gate.then(() => ({ findings: 0, findingIds: [] })) },
    whileRunning: async (workflowId) => {
      const handle = env.client.workflow.getHandle(workflowId);
      for (let i = 0; i < 100; i++) {
        const progress = await handle.query(scanStatusQuery);
        if (progress.scanner_status.security?.status === 'done' && progress.scanner_status.accessibility?.status === 'running') {
          midRun = progress;
          break;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      release();
    },
  });
  expect(midRun).toMatchObject({ status: 'running', scanner_status: { accessibility: { status: 'running' }, security: { status: 'done' } } });
  expect(outcome.status).toBe('completed');
});

it('runs only the requested scanners', async () => {
  const { slots, finalized, calls } = await runScan({ plan: { scanners: ['security', 'accessibility'] } });
  expect(new Set(slots.map(([n]) => n))).toEqual(new Set(['security', 'accessibility']));
  expect(Object.keys(finalized ?? {}).sort()).toEqual(['accessibility', 'security']);
  expect(calls.filter((c) => c === 'capturePage')).toHaveLength(1);
});

describe('a scan of HTTP scanners only: one runHttpScanners (patches scan-one-http-activity, scan-light-local, scan-light-one-activity)', () => {
  it('runs the page fetch and both scanners in one activity, which settles the slots; no page snapshot', async () => {
    const { outcome, slots, calls, finalized, summarized } = await runScan({
      plan: { scanners: ['security', 'seo'] },
      scanners: { seo: async () => ({ findings: 2, findingIds: ['f-2', 'f-3'] }) },
    });
    expect(calls.filter((c) => c.startsWith('http:'))).toEqual(['http:security+seo']);
    expect(calls).not.toContain('capturePage');
    expect(calls.some((c) => c.startsWith('security:'))).toBe(false);
    for (const name of ['security', 'seo'] as const) {
      expect(slots.filter(([n]) => n === name).map(([, s]) => s.status)).toEqual(['running', 'done']);
    }
    expect(finalized).toEqual({ security: { status: 'done' }, seo: { status: 'done' } });
    expect([...summarized].sort()).toEqual(['f-1', 'f-2', 'f-3']);
    expect(outcome.status).toBe('completed');
  });

  it('a scanner that fails settles its own slot; the other is done and the scan completes', async () => {
    const { outcome, finalized } = await runScan({
      plan: { scanners: ['security', 'seo'] },
      scanners: { seo: () => Promise.reject(ApplicationFailure.nonRetryable('the page answered HTTP 404', 'TargetClientError')) },
    });
    expect(finalized).toEqual({ security: { status: 'done' }, seo: { status: 'failed', error: 'the page answered HTTP 404' } });
    expect(outcome.status).toBe('completed');
  });

  it('a page that cannot be fetched fails every slot with the reason, not retried when permanent', async () => {
    let fetches = 0;
    const { outcome, finalized } = await runScan({
      plan: { scanners: ['security', 'seo'] },
      capture: async () => {
        fetches++;
        throw ApplicationFailure.nonRetryable('the page is not HTML (content-type: application/pdf)', 'NotHtml');
      },
    });
    expect(fetches).toBe(1);
    expect(outcome.status).toBe('failed');
    const failed = { status: 'failed', error: 'the page is not HTML (content-type: application/pdf)' };
    expect(finalized).toEqual({ security: failed, seo: failed });
  });
});

describe('a light scan in one workflow task and one local activity (patches scan-light-local, scan-light-one-activity)', () => {
  type History = Awaited<ReturnType<typeof runScan>>['history'];
  const count = (history: History, type: string) => (history.events ?? []).filter((e) => e[type as keyof typeof e]).length;
  const patchIds = (history: History) =>
    (history.events ?? [])
      .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
      .map((e) => JSON.parse(Buffer.from(e.markerRecordedEventAttributes!.details!['patch-data']!.payloads![0]!.data!).toString()).id);

  const localActivities = (history: History) =>
    (history.events ?? [])
      .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity')
      .map((e) => JSON.parse(Buffer.from(e.markerRecordedEventAttributes!.details!['data']!.payloads![0]!.data!).toString()).activity_type);

  it('opens, runs both scanners and closes in one local activity of one workflow task: no activity task', async () => {
    const { outcome, history, calls, finalized, progress } = await runScan({ plan: { scanners: ['security', 'seo'] } });
    expect(outcome.status).toBe('completed');
    expect(calls.filter((c) => c.startsWith('http:'))).toEqual(['http:security+seo']);
    expect(calls).toEqual(['openLightScan', 'http:security+seo', 'score', 'planAnalysis', 'finalize']);
    expect(finalized).toEqual({ security: { status: 'done' }, seo: { status: 'done' } });
    expect(progress).toMatchObject({ status: 'completed', scanner_status: { security: { status: 'done' }, seo: { status: 'done' } } });
    expect(count(history, 'activityTaskScheduledEventAttributes')).toBe(0);
    expect(count(history, 'workflowTaskCompletedEventAttributes')).toBe(1);
    // openLightScan alone, where there were openScanRun, runHttpScanners and closeScanRun.
    expect(localActivities(history)).toEqual(['openLightScan']);
    // The new path's marker alone: scan-light-local and scan-one-http-activity are never looked for.
    expect(patchIds(history)).toEqual([SCAN_PATCHES.fewerRoundTrips, SCAN_PATCHES.lightOneActivity]);
    expect(history.events).toHaveLength(10);
  });

  it(`a transient page failure on the last of ${HTTP_SCANS_ATTEMPTS} attempts fails every slot with the reason and closes the run`, async () => {
    let fetches = 0;
    const { outcome, finalized, calls } = await runScan({
      plan: { scanners: ['security', 'seo'] },
      capture: async () => {
        fetches++;
        throw new Error('the page answered HTTP 503');
      },
    });
    expect(fetches).toBe(HTTP_SCANS_ATTEMPTS);
    expect(calls.filter((c) => c === 'openLightScan')).toHaveLength(HTTP_SCANS_ATTEMPTS);
    expect(outcome.status).toBe('failed');
    const failed = { status: 'failed', error: 'the page answered HTTP 503' };
    expect(finalized).toEqual({ security: failed, seo: failed });
  }, 60_000);

  it('a transient page failure is retried as a local activity (not the other steps); the scan completes', async () => {
    let fetches = 0;
    const { outcome, finalized, history } = await runScan({
      plan: { scanners: ['security', 'seo'] },
      capture: async () => {
        if (++fetches === 1) throw new Error('the page answered HTTP 503');
        return { snapshotId: 'in-memory' };
      },
    });
    expect(fetches).toBe(2);
    expect(outcome.status).toBe('completed');
    expect(finalized).toEqual({ security: { status: 'done' }, seo: { status: 'done' } });
    expect(count(history, 'activityTaskScheduledEventAttributes')).toBe(0);
  }, 30_000);

  it('a page that cannot be fetched fails every slot from the workflow and closes the run', async () => {
    const { outcome, finalized, slots, history } = await runScan({
      plan: { scanners: ['security', 'seo'] },
      capture: () => Promise.reject(ApplicationFailure.nonRetryable('the page answered HTTP 404', 'TargetClientError')),
    });
    expect(outcome.status).toBe('failed');
    const failed = { status: 'failed', error: 'the page answered HTTP 404' };
    expect(finalized).toEqual({ security: failed, seo: failed });
    expect(slots.filter(([, s]) => s.status === 'failed')).toHaveLength(2);
    expect(count(history, 'activityTaskScheduledEventAttributes')).toBe(0);
  });

  it('a scan with a browser scanner, or a login recipe, gets its plan from openLightScan alone and keeps its activities', async () => {
    const browser = await runScan({ plan: { scanners: ['security', 'accessibility'] } });
    expect(patchIds(browser.history)).toEqual([SCAN_PATCHES.fewerRoundTrips, SCAN_PATCHES.lightOneActivity]);
    expect(localActivities(browser.history)[0]).toBe('openLightScan');
    expect(browser.calls.some((c) => c.startsWith('http:'))).toBe(false);
    expect(count(browser.history, 'activityTaskScheduledEventAttributes')).toBeGreaterThan(0);
    const login = await runScan({ plan: { scanners: ['security', 'seo'], siteLogin: true } });
    expect(patchIds(login.history)).toEqual([SCAN_PATCHES.fewerRoundTrips, SCAN_PATCHES.lightOneActivity]);
    expect(login.calls).toContain('capturePage');
    expect(login.calls.some((c) => c.startsWith('http:'))).toBe(false);
  });
});

describe('the AI analysis stage', () => {
  it('is skipped without a provider, with the reason, and the scan completes as before', async () => {
    const { outcome, calls, analysisStages, progress } = await runScan({});
    expect(outcome.status).toBe('completed');
    expect(calls).not.toContain('analyze');
    expect(calls.indexOf('planAnalysis')).toBeGreaterThan(calls.indexOf('score'));
    expect(analysisStages).toEqual([{ status: 'skipped', reason: 'no AI provider is configured' }]);
    expect(progress.analysis).toEqual({ status: 'skipped', reason: 'no AI provider is configured' });
  });

  it('runs after the deterministic scores and before the run closes: running, then done', async () => {
    const { outcome, calls, analysisStages, progress } = await runScan({ analysis: { plan: { status: 'pending' } } });
    expect(outcome.status).toBe('completed');
    expect(calls.filter((c) => ['score', 'planAnalysis', 'analyze', 'finalize'].includes(c))).toEqual(['score', 'planAnalysis', 'analyze', 'finalize']);
    // `done` is stored by the analysis activity itself, in the transaction that writes the scores.
    expect(analysisStages).toEqual([{ status: 'running' }]);
    expect(progress.analysis).toEqual({ status: 'done' });
  });

  it('shows the stage running in the status query', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let midStage: unknown;
    await runScan({
      analysis: { plan: { status: 'pending' }, run: () => gate },
      whileRunning: async (workflowId) => {
        const handle = env.client.workflow.getHandle(workflowId);
        for (let i = 0; i < 100 && !midStage; i++) {
          const progress = await handle.query(scanStatusQuery);
          if (progress.analysis.status === 'running') midStage = progress;
          else await new Promise((r) => setTimeout(r, 50));
        }
        release();
      },
    });
    expect(midStage).toMatchObject({ status: 'running', analysis: { status: 'running' } });
  });

  it('retries a transient failure, then fails the stage with the reason; the scan still completes', async () => {
    let attempts = 0;
    const { outcome, calls, analysisStages, progress } = await runScan({
      analysis: {
        plan: { status: 'pending' },
        run: async () => {
          attempts++;
          throw ApplicationFailure.retryable('no AI provider answered: anthropic: HTTP 500; openai: HTTP 500', 'AiUnavailable');
        },
      },
    });
    expect(attempts).toBe(3);
    expect(outcome.status).toBe('completed');
    expect(calls).toContain('finalize');
    const failed = { status: 'failed', reason: 'no AI provider answered: anthropic: HTTP 500; openai: HTTP 500' };
    expect(analysisStages).toEqual([{ status: 'running' }, failed]);
    expect(progress.analysis).toEqual(failed);
  });

  it('does not retry a rejected request (bad key, unknown model)', async () => {
    let attempts = 0;
    const { analysisStages } = await runScan({
      analysis: {
        plan: { status: 'pending' },
        run: async () => {
          attempts++;
          throw ApplicationFailure.nonRetryable('no AI provider answered: anthropic: HTTP 401', 'AiRejected');
        },
      },
    });
    expect(attempts).toBe(1);
    expect(analysisStages.at(-1)).toEqual({ status: 'failed', reason: 'no AI provider answered: anthropic: HTTP 401' });
  });
});

it('a browser scanner turned back while its org is busy keeps its count of failed runs: the slot fails after 2 runs', async () => {
  // The real fair share (src/activities/browser-share.ts) on the test database: another holder's
  // lease makes attempts BrowserBusy before the first run and between the two runs.
  const { connectDatabase } = await import('../../src/platform/db.ts');
  const { createBrowserShare } = await import('../../src/activities/browser-share.ts');
  const { Context } = await import('@temporalio/activity');
  const db = connectDatabase(process.env.DATABASE_URL!, 2);
  const orgId = randomUUID();
  const blockFor = (pool: string, seconds: number) => db.prisma.$executeRaw`
    INSERT INTO browser_leases (pool, org_id, slot, holder, expires_at)
    VALUES (${pool}, ${orgId}::uuid, 0, 'another-scan/1#1', now() + make_interval(secs => ${seconds}))
    ON CONFLICT (pool, org_id, slot) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at`;
  let attempts = 0;
  let runs = 0;
  try {
    const { finalized } = await runScan({
      scanners: {
        accessibility: async () => {
          const pool = Context.current().info.taskQueue;
          if (++attempts === 1) await blockFor(pool, 3);
          const share = createBrowserShare(db.prisma, {
            BROWSER_CONCURRENCY: 1,
            BROWSER_AXE_CONCURRENCY: 1,
            BROWSER_ORG_CONCURRENCY: 1,
            BROWSER_QUEUE_MAX_WAIT_SECONDS: 600,
            TEMPORAL_BROWSER_TASK_QUEUE: pool,
          });
          return share.run(orgId, 2, async () => {
            runs++;
            // After the first run the other holder is back until after the retry's backoff (5 s).
            if (runs === 1) setTimeout(() => void blockFor(pool, 8), 300);
            throw new Error(`Chromium crashed (run ${runs})`);
          });
        },
      },
    });
    expect(runs).toBe(2);
    expect(attempts).toBeGreaterThan(3); // turned back at least once before each run
    expect(finalized?.accessibility).toEqual({ status: 'failed', error: 'Chromium crashed (run 2)' });
    expect(await db.prisma.browserLease.count({ where: { org_id: orgId, holder: { not: 'another-scan/1#1' } } })).toBe(0);
  } finally {
    await db.prisma.browserLease.deleteMany({ where: { org_id: orgId } });
    await db.close();
  }
}, 60_000);
