import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { HistoryAndWorkflowId } from '@temporalio/client';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { historyFromJson } from '../support/histories.ts';
import { workflowBundle } from '../support/temporal.ts';

// Every stored history (test/fixtures/histories, recorded by ./scripts/record-histories or
// downloaded with `temporal workflow show --output json`) is replayed against the workflow code
// of this checkout. A change of a workflow's command sequence that is not behind patched() fails
// here, before it can fail the runs in flight during a deploy (docs/deploy.md).

const ROOT = join(__dirname, '../fixtures/histories');

// Replay workers log every state change at INFO: warnings are enough here.
Runtime.install({ logger: new DefaultLogger('WARN') });

/** The paths the deploy procedure promises to keep replaying: one history each at least. */
const REQUIRED = [
  'scan/scan-full-ai-done',
  'scan/scan-partial-failure',
  'scan/scan-ai-failed',
  'scan/scan-ai-skipped',
  // The workflow-wide failure paths, with their patch markers (scan-failure-path, verification-saga-v2).
  'scan/scan-cancelled',
  // scan-fewer-round-trips: openScanRun and closeScanRun as local activities, every path again.
  ...['full-ai-done', 'partial-failure', 'ai-failed', 'ai-skipped', 'page-unavailable', 'cancelled'].map((p) => `scan/scan-${p}-round-trips`),
  // scan-one-http-activity: a scan of HTTP scanners only in one activity (ai-failed, ai-skipped,
  // page-unavailable, cancelled); full-ai-done and partial-failure keep the capture path beside it.
  ...['full-ai-done', 'partial-failure', 'ai-failed', 'ai-skipped', 'page-unavailable', 'cancelled'].map((p) => `scan/scan-${p}-one-http-activity`),
  // scan-light-local: a light scan's runHttpScanners as a local activity, the whole scan one
  // workflow task (ai-failed, ai-skipped, page-unavailable, cancelled carry its marker alone).
  ...['full-ai-done', 'partial-failure', 'ai-failed', 'ai-skipped', 'page-unavailable', 'cancelled'].map((p) => `scan/scan-${p}-light-local`),
  // scan-light-one-activity: every new run opens with openLightScan; a light scan's whole work is
  // that one local activity (ai-skipped, page-unavailable: no other command), the rest go on as before.
  ...['full-ai-done', 'partial-failure', 'ai-failed', 'ai-skipped', 'page-unavailable', 'cancelled', 'site-login', 'site-login-failed'].map(
    (p) => `scan/scan-${p}-light-one-activity`,
  ),
  'verification/verification-cancelled',
  'verification/verification-passed',
  'verification/verification-failed',
  'verification/verification-approve',
  'verification/verification-reopen',
  'verification/verification-decision-after-window',
  // verification-decision-one-timer: the decision window as one timer, every verification path again.
  ...['passed', 'failed', 'approve', 'reopen', 'decision-after-window', 'cancelled'].map((p) => `verification/verification-${p}-one-timer`),
  ...['json', 'csv', 'html', 'pdf', 'sarif', 'failed'].map((f) => `report-export/report-export-${f}`),
  // report-artifact-name: the build activity scheduled as writeReportArtifact.
  ...['json', 'csv', 'html', 'pdf', 'sarif', 'failed'].map((f) => `report-export/report-export-${f}-artifact-name`),
  'report-share/report-share-delivered',
  'report-share/report-share-failed',
  'integration-sync/integration-sync-connected',
  'integration-sync/integration-sync-resync',
  'integration-sync/integration-sync-error',
  // The marker search (a lost create's ticket adopted) and reopening: activity changes only, the
  // same commands; recorded again with the code that has them (suffix -marker-reopen).
  ...['connected', 'resync', 'error', 'reopen', 'adopted'].map((p) => `integration-sync/integration-sync-${p}-marker-reopen`),
  'notification/notification-delivered',
  'notification/notification-failed',
  // SiteCrawlWorkflow: a run that continues as new, the last run, a cancelled crawl (its failure path).
  'crawl/crawl-continued',
  'crawl/crawl-completed',
  'crawl/crawl-cancelled',
  // crawl-site-login: a login recipe's crawl signs in once per run (a run that continues as new,
  // the last run), and one whose login fails (the failure path, before any page).
  'crawl/crawl-site-login-continued',
  'crawl/crawl-site-login-completed',
  'crawl/crawl-site-login-failed',
  // ScheduledAuditWorkflow: a scan started and waited for, a start recorded failed, a deleted schedule.
  'scheduled/scheduled-audit-scan',
  'scheduled/scheduled-audit-crawl',
  'scheduled/scheduled-audit-deleted',
];

function storedHistories(dir = ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return storedHistories(path);
    return entry.name.endsWith('.json') ? [path] : [];
  });
}

const load = (path: string) => ({
  workflowId: relative(ROOT, path).replace(/\.json$/, ''),
  history: historyFromJson(JSON.parse(readFileSync(path, 'utf8'))),
});

interface Replayed {
  name: string;
  ms: number;
  error?: string;
}

/** Replays `histories` one after another in one replay worker; the time of each from push to verdict. */
async function replay(histories: HistoryAndWorkflowId[]): Promise<Replayed[]> {
  const pushedAt = new Map<string, number>();
  async function* timed() {
    for (const h of histories) {
      pushedAt.set(h.workflowId, performance.now());
      yield h;
    }
  }
  const results: Replayed[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle: workflowBundle() }, timed())) {
    results.push({
      name: result.workflowId,
      ms: performance.now() - pushedAt.get(result.workflowId)!,
      ...(result.error ? { error: `${result.error.name}: ${result.error.message}` } : {}),
    });
  }
  return results;
}

it('keeps a history of every path of every workflow type', () => {
  const names = storedHistories().map((path) => relative(ROOT, path).replace(/\.json$/, ''));
  expect(names).toEqual(expect.arrayContaining(REQUIRED));
});

it('replays every stored history against the current workflow code without nondeterminism', async () => {
  const histories = storedHistories().map(load);
  const results = await replay(histories);
  // The figures for the deploy notes: replay time per history.
  console.log(
    `replay times (ms):\n${results.map((r) => `  ${r.name.padEnd(52)} ${r.ms.toFixed(1).padStart(8)}${r.error ? '  FAILED' : ''}`).join('\n')}\n  total ${results
      .reduce((sum, r) => sum + r.ms, 0)
      .toFixed(1)}`,
  );
  expect(results.map((r) => r.name)).toEqual(histories.map((h) => h.workflowId));
  expect(results.filter((r) => r.error)).toEqual([]);
}, 120_000);

it('fails a history whose commands the code does not issue (the check can fail)', async () => {
  // A verification's history given to ScanWorkflow: the code schedules startScanRun where the
  // history has startVerification.
  const { history } = load(join(ROOT, 'verification/verification-failed.json'));
  const started = history.events![0]!.workflowExecutionStartedEventAttributes!;
  started.workflowType = { name: 'ScanWorkflow' };
  const [result] = await replay([{ workflowId: 'tampered', history }]);
  expect(result?.error).toMatch(/Nondeterminism|DeterminismViolation/i);
}, 60_000);
