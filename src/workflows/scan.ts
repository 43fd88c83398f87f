import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  defineQuery,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { ScanClosing } from '../activities/scan-closing.ts';
import type { ScanOutcome, ScanPlan } from '../activities/scan-runs.ts';
import { ANALYSIS_PERMANENT_FAILURES, type AnalysisStage } from '../domain/analysis.ts';
import { PERMANENT_FAILURE_TYPES as PERMANENT } from '../domain/failures.ts';
import { HTTP_SCANNERS, HTTP_SCANS_ATTEMPTS, type HttpScannerName, type ScannerName, type ScannerSlot, type ScannerStatus } from '../domain/scanners.ts';
import { summary } from '../platform/search-attributes.ts';

export interface ScanWorkflowInput {
  scanRunId: string;
}

export interface ScanProgress {
  status: 'queued' | 'running' | 'completed' | 'failed';
  scanner_status: Partial<ScannerStatus>;
  /** The AI stage after the scanners: skipped, or running → done|failed. */
  analysis: AnalysisStage;
  health_score?: number | null;
}

type Duration = NonNullable<ActivityOptions['startToCloseTimeout']>;

export const scanStatusQuery = defineQuery<ScanProgress>('status');

/**
 * Patch ids (docs/deploy.md). A run that started before a patch replays its old path; the patch
 * is deprecated, then removed, once no such run is open.
 * - scan-failure-path: a step that exhausted its retries closes the run (`failed`, with the
 *   reason), deletes its page snapshots and refunds its AI unit, instead of failing the workflow.
 * - scan-fewer-round-trips: the run opens with one local activity (openScanRun: the plan and every
 *   slot `running`) and closes with one (closeScanRun: scores, the AI plan and, without an AI
 *   stage, the close), in place of three activities and a local activity per slot.
 * - scan-one-http-activity: a scan of HTTP scanners only (security, seo) runs them in one activity,
 *   runHttpScanners (the page fetched once, kept in memory; each scanner settles its own slot), in
 *   place of capturePage, an activity per scanner and a local activity per settled slot.
 * - scan-light-local: that same work (runHttpScanners) as a local activity, so a light scan is one
 *   workflow task: openScanRun, runHttpScanners and closeScanRun run in it one after the other, with
 *   no activity task round trip through the server. It supersedes scan-one-http-activity for new
 *   runs (checked first, the older id only when it is absent), so a new light scan's history
 *   carries this marker alone.
 * - scan-light-one-activity: the run opens with openLightScan, a local activity that, for a light
 *   scan, also runs its HTTP work and its closing step (openScanRun, runHttpScanners and
 *   closeScanRun in one: src/activities/light-scan.ts), so a light scan is two workflow activations
 *   where it was four; any other scan gets its plan from it and goes on as before. Checked right
 *   after scan-fewer-round-trips, so every new run records it (a light one no other marker).
 */
export const SCAN_PATCHES = {
  failurePath: 'scan-failure-path',
  fewerRoundTrips: 'scan-fewer-round-trips',
  oneHttpActivity: 'scan-one-http-activity',
  lightLocal: 'scan-light-local',
  lightOneActivity: 'scan-light-one-activity',
} as const;

const bookkeeping = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 milliseconds', maximumAttempts: 20 },
});
// Opening and closing a run: database work only, on the main worker, so local activities (no
// task-queue round trip, no workflow task of their own). Scoring writes a row per finding: the
// timeout allows for a page with thousands.
const closingSteps = proxyLocalActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '10 seconds', maximumAttempts: 20 },
});
const stages = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumAttempts: 10 },
});
// Every scanner heartbeats, so a worker that dies mid-activity is noticed in seconds. The
// start-to-close timeouts come from the plan (derived from the configured timeouts of the work,
// src/domain/activity-timeouts.ts); the literals are those of runs planned before the plan had them.
// A `summary` names the scanner and URL in the Web UI's timeline; like the other options it is not
// part of the command sequence (replay compares activity id and type), so no patched() either.
function pageFetch(startToCloseTimeout: Duration = '45 seconds', label?: string) {
  return proxyActivities<Activities>({
    ...(label ? { summary: label } : {}),
    startToCloseTimeout,
    heartbeatTimeout: '10 seconds',
    retry: { initialInterval: '2 seconds', maximumAttempts: 3, nonRetryableErrorTypes: PERMANENT },
  });
}
function httpScanners(startToCloseTimeout: Duration = '1 minute', label?: string) {
  return proxyActivities<Activities>({
    ...(label ? { summary: label } : {}),
    startToCloseTimeout,
    heartbeatTimeout: '10 seconds',
    // runHttpScanners settles a failing scanner's slot on its last attempt: the same count.
    retry: { initialInterval: '2 seconds', maximumAttempts: HTTP_SCANS_ATTEMPTS, nonRetryableErrorTypes: PERMANENT },
  });
}
// A light scan's HTTP work as a local activity (patch scan-light-local): the same timeout and
// retries, run by the worker holding the workflow task. It has no heartbeat: while it runs, the SDK
// keeps the workflow task alive (it completes it and takes the next one at 80 % of the workflow task
// timeout), and a worker lost mid-scan is noticed when that task times out (10 s); the next worker
// replays the history and runs the activity again from its first attempt (runHttpScanners is safe
// to run twice: upserts, and a slot already settled is not settled again).
function localHttpScanners(startToCloseTimeout: Duration = '1 minute', label?: string) {
  return proxyLocalActivities<Activities>({
    ...(label ? { summary: label } : {}),
    startToCloseTimeout,
    retry: { initialInterval: '2 seconds', maximumAttempts: HTTP_SCANS_ATTEMPTS, nonRetryableErrorTypes: PERMANENT },
  });
}

// A run's opening, and for a light scan its whole work (patch scan-light-one-activity): the page
// fetch and both scanners (runHttpScanners' timeout, 3 fetches and a margin) between two database
// steps. The timeout cannot come from the plan, which this activity makes: it is wide enough for
// any fetch timeout the configuration allows in practice, and each fetch is bounded by its own.
// Its page failures keep runHttpScanners' retries (HTTP_SCANS_ATTEMPTS, counted by the activity,
// which settles the slots `failed` at the last); the further attempts are for PostgreSQL failures,
// as openScanRun's and closeScanRun's.
// Its summary in the Web UI's timeline cannot name the scanners and URL (the plan is its result):
// the workflow's own summary does.
export const OPEN_LIGHT_SCAN_SUMMARY = 'open the run; a light scan: fetch, scanners, close';
const lightScanning = proxyLocalActivities<Activities>({
  summary: OPEN_LIGHT_SCAN_SUMMARY,
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '2 seconds', maximumInterval: '10 seconds', maximumAttempts: 20, nonRetryableErrorTypes: PERMANENT },
});

// One model round-trip per batch of findings, a few at a time; the activity heartbeats throughout.
const analysis = proxyActivities<Activities>({
  startToCloseTimeout: '20 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 3, nonRetryableErrorTypes: ANALYSIS_PERMANENT_FAILURES },
});

// The browser queue is shared fairly between orgs (src/activities/browser-share.ts): an org at
// its share gets a quick BrowserBusy failure and its task goes back to the queue, so attempts are
// turns in the queue, not failures: no maximumAttempts, bounded by schedule-to-close. The activity
// bounds the runs that fail (2) and fails a task that waited longer than
// BROWSER_QUEUE_MAX_WAIT_SECONDS (≤ 30 min) with "browser queue wait exceeded N s";
// schedule-to-start catches a task no worker picked at all. Activity options are not part of the
// command sequence (replay compares an activity's id and type only: sdk-core
// activity_state_machine.rs), so no patched() is needed.
function browserScanners(taskQueue: string, startToCloseTimeout: Duration = '3 minutes', label?: string) {
  return proxyActivities<Activities>({
    ...(label ? { summary: label } : {}),
    taskQueue,
    startToCloseTimeout,
    heartbeatTimeout: '30 seconds',
    scheduleToStartTimeout: '35 minutes',
    scheduleToCloseTimeout: '60 minutes',
    retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds', nonRetryableErrorTypes: PERMANENT },
  });
}

/** Undoes one thing the run holds (saga style): run in reverse order on the failure path. */
type Compensation = () => Promise<unknown>;

/**
 * One scan: fetch the page once, run the four scanners side by side (a failed scanner fails its
 * slot, not the scan), score what they found, let the AI analyze it when a provider is configured,
 * and close the run. A step that exhausts its retries (or a cancellation) closes the run `failed`
 * with the reason and gives back what it holds: its page snapshots and its AI unit.
 */
export async function ScanWorkflow({ scanRunId }: ScanWorkflowInput): Promise<ScanOutcome> {
  const progress: ScanProgress = { status: 'queued', scanner_status: {}, analysis: { status: 'pending' } };
  setHandler(scanStatusQuery, () => progress);
  // The kickoff charged the AI unit before the workflow started: the first thing to give back.
  const compensations: Compensation[] = [() => bookkeeping.refundScanRun(scanRunId)];
  try {
    return await scan(scanRunId, progress, compensations);
  } catch (err) {
    // Runs that started before the failure path existed fail as they always did.
    if (!patched(SCAN_PATCHES.failurePath)) throw err;
    const reason = failureReason(err);
    progress.status = 'failed';
    // Not cancellable: a cancelled scan still closes its run and releases what it holds.
    await CancellationScope.nonCancellable(async () => {
      await attempt('close the run', () => bookkeeping.failScanRun(scanRunId, reason));
      for (const compensation of compensations.reverse()) await attempt('compensate', compensation);
    });
    return { status: 'failed', healthScore: null, findings: 0 };
  }
}

/** A compensation that fails is logged; the sweeper closes and deletes what it left (docs/deploy.md). */
async function attempt(what: string, step: () => Promise<unknown>): Promise<void> {
  try {
    await step();
  } catch (err) {
    log.warn(`scan failure path: could not ${what}`, { error: failureReason(err) });
  }
}

async function scan(scanRunId: string, progress: ScanProgress, compensations: Compensation[]): Promise<ScanOutcome> {
  const fewerRoundTrips = patched(SCAN_PATCHES.fewerRoundTrips);
  const opened = fewerRoundTrips && patched(SCAN_PATCHES.lightOneActivity) ? await lightScanning.openLightScan(scanRunId) : undefined;
  const plan: ScanPlan = opened ? opened.plan : fewerRoundTrips ? await bookkeeping.openScanRun(scanRunId) : await stages.startScanRun(scanRunId);
  progress.status = 'running';
  // openScanRun has recorded every slot running already.
  for (const name of plan.scanners) progress.scanner_status[name] = { status: fewerRoundTrips ? 'running' : 'pending' };
  if (opened?.light) {
    // The light scan ran and closed in that one activity (each slot settled there).
    Object.assign(progress.scanner_status, opened.light.slots);
    return closed(scanRunId, progress, opened.light.closing, opened.light.findingIds);
  }

  const timeouts = plan.timeouts;
  // Plans made before they named the URL give the summaries without it.
  const label = (what: string) => summary(what, plan.url);
  const performanceLabel = label(plan.performanceSource === 'pagespeed' ? 'performance (PageSpeed Insights)' : 'performance (Lighthouse)');
  const performance =
    plan.performanceSource === 'pagespeed'
      ? httpScanners(timeouts?.pageSpeedMs, performanceLabel)
      : browserScanners(plan.browserTaskQueue, timeouts?.lighthouseMs, performanceLabel);
  const accessibility = browserScanners(plan.browserTaskQueue, timeouts?.accessibilityMs, label('accessibility (axe)'));
  let page: Promise<{ snapshotId: string }> | undefined;
  const capturedPage = () => {
    if (!page) {
      compensations.push(() => bookkeeping.releasePageSnapshots(scanRunId));
      // A site-auth login recipe signs in before the fetch, in Chromium: the capture runs on the
      // browser queue then, in the org's share of it (docs/site-auth.md). Activity options only
      // (same activity, same type): no command changes, so no patched().
      const capture = plan.siteLogin
        ? browserScanners(plan.browserTaskQueue, timeouts?.siteLoginMs, label('sign in, fetch'))
        : pageFetch(timeouts?.pageFetchMs, label('fetch'));
      page = capture.capturePage(scanRunId);
    }
    return page;
  };

  const scanners: Record<ScannerName, () => Promise<{ findingIds: string[] }>> = {
    security: async () => httpScanners(timeouts?.httpScannerMs, label('security')).runSecurityScanner(scanRunId, (await capturedPage()).snapshotId),
    seo: async () => httpScanners(timeouts?.httpScannerMs, label('seo')).runSeoScanner(scanRunId, (await capturedPage()).snapshotId),
    accessibility: async () => {
      await capturedPage();
      return accessibility.runAccessibilityScanner(scanRunId);
    },
    performance: async () => {
      await capturedPage();
      return performance.runPerformanceScanner(scanRunId);
    },
  };

  const setSlot = async (name: ScannerName, slot: ScannerSlot) => {
    progress.scanner_status[name] = slot;
    await bookkeeping.recordScannerSlot(scanRunId, name, slot);
  };
  const detected: string[] = [];
  const httpOnly = plan.scanners.every((name) => (HTTP_SCANNERS as readonly ScannerName[]).includes(name));
  // A login recipe signs in on the browser queue before the page is fetched (capturePage): its
  // scans keep the per-scanner path. Evaluated before patched(), so their histories carry no marker.
  // scan-light-local first: a new run records it alone; a run started on scan-one-http-activity
  // replays without it, then finds its own marker.
  // Under scan-light-one-activity a light scan never comes here (openLightScan ran it).
  const lightScan = fewerRoundTrips && httpOnly && !plan.siteLogin;
  const local = lightScan && patched(SCAN_PATCHES.lightLocal);
  if (local || (lightScan && patched(SCAN_PATCHES.oneHttpActivity))) {
    // One activity: the page and both scanners; it settles each slot (row and event) itself.
    const wanted = plan.scanners as HttpScannerName[];
    const runner = (local ? localHttpScanners : httpScanners)(timeouts?.httpScansMs, label(wanted.join(' and ')));
    try {
      const ran = await runner.runHttpScanners(scanRunId, wanted);
      Object.assign(progress.scanner_status, ran.slots);
      detected.push(...ran.findingIds);
    } catch (err) {
      if (isCancellation(err)) throw err;
      // The page could not be fetched (or the activity gave up): every slot fails with the reason.
      for (const name of wanted) await setSlot(name, { status: 'failed', error: failureReason(err) });
    }
  } else {
    await Promise.allSettled(
      plan.scanners.map(async (name) => {
        if (!fewerRoundTrips) await setSlot(name, { status: 'running' });
        try {
          detected.push(...(await scanners[name]()).findingIds);
          await setSlot(name, { status: 'done' });
        } catch (err) {
          await setSlot(name, { status: 'failed', error: failureReason(err) });
        }
      }),
    );
  }

  if (fewerRoundTrips) return closed(scanRunId, progress, await closingSteps.closeScanRun(scanRunId, progress.scanner_status, detected), detected);
  await stages.scoreScanFindings(scanRunId);
  await analyzeFindings(scanRunId, progress);
  return ended(progress, await stages.finalizeScanRun(scanRunId, progress.scanner_status, detected));
}

/** After closeScanRun: the run closed there, or the AI stage runs, then the run closes. */
async function closed(scanRunId: string, progress: ScanProgress, closing: ScanClosing, detected: string[]): Promise<ScanOutcome> {
  progress.analysis = closing.analysis;
  if (closing.outcome) return ended(progress, closing.outcome);
  await runAnalysis(scanRunId, progress);
  return ended(progress, await closingSteps.finalizeScanRun(scanRunId, progress.scanner_status, detected));
}

function ended(progress: ScanProgress, outcome: ScanOutcome): ScanOutcome {
  progress.status = outcome.status;
  progress.health_score = outcome.healthScore;
  return outcome;
}

async function setStage(scanRunId: string, progress: ScanProgress, stage: AnalysisStage): Promise<void> {
  progress.analysis = stage;
  await bookkeeping.recordAnalysisStage(scanRunId, stage);
}

/** The AI stage runs when a provider is configured and the scan found something; its failure leaves the rule scores. */
async function analyzeFindings(scanRunId: string, progress: ScanProgress): Promise<void> {
  const plan = await stages.planAnalysis(scanRunId);
  if (plan.status === 'skipped') return setStage(scanRunId, progress, plan);
  await runAnalysis(scanRunId, progress);
}

async function runAnalysis(scanRunId: string, progress: ScanProgress): Promise<void> {
  await setStage(scanRunId, progress, { status: 'running' });
  try {
    await analysis.analyzeScanFindings(scanRunId);
    progress.analysis = { status: 'done' }; // stored by the activity, with the scores
  } catch (err) {
    await setStage(scanRunId, progress, { status: 'failed', reason: failureReason(err) });
  }
}

/** The user-facing reason: the activity's own message, not Temporal's wrapper. */
function failureReason(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure || cause instanceof Error) return cause.message;
  return 'scanner failed';
}
