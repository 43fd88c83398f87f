import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  continueAsNew,
  executeChild,
  isCancellation,
  log,
  ParentClosePolicy,
  patched,
  proxyActivities,
  proxyLocalActivities,
  sleep,
  workflowInfo,
  WorkflowIdReusePolicy,
  ChildWorkflowCancellationType,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { CrawlPlan } from '../activities/crawls.ts';
import { PERMANENT_FAILURE_TYPES as PERMANENT } from '../domain/failures.ts';
import type { ScanWorkflow } from './scan.ts';

export interface SiteCrawlInput {
  crawlId: string;
}

/**
 * Patch ids (docs/deploy.md), as SCAN_PATCHES in scan.ts.
 * - crawl-site-login: with a site-auth login recipe on the crawl's origin, each workflow run signs
 *   in (signInCrawl, on the browser queue) after openCrawl and, when openCrawl left the seeding for
 *   after it, opens the crawl again (the seeding, signed in). Crawls without a login recipe take no
 *   marker: the plan's flag is read before patched().
 */
export const CRAWL_PATCHES = {
  siteLogin: 'crawl-site-login',
} as const;

/** The longest a visit waits in its activity for its politeness slot (well under its timeouts). */
const MAX_VISIT_WAIT_MS = 20_000;
/** How often a page whose scan another run started is looked at again (rare: docs/crawls.md). */
const SETTLE_POLL = '5 seconds';

// Database work on the main worker: local activities (no task-queue round trip of their own).
const bookkeeping = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '10 seconds', maximumAttempts: 20 },
});
// robots.txt and up to 50 sitemap files, each one bounded fetch: heartbeats keep a killed worker's
// attempt short; the timeout allows for every file at the fetch timeout.
const seeding = proxyActivities<Activities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '2 seconds', maximumAttempts: 5 },
});
// One page's fetch and what it records. A target that refuses or answers 4xx is recorded as the
// page's failure by the activity itself; 5xx and network errors are retried, then fail the page.
const visits = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '2 seconds', maximumAttempts: 3, nonRetryableErrorTypes: PERMANENT },
});

// The crawl's sign-in, on the browser queue, as a scan's capture that signs in (browserScanners in
// scan.ts): the org's fair share of that queue makes busy turns attempts, so no maximumAttempts,
// bounded by schedule-to-close; the activity bounds its failed runs, and a login that does not sign
// in fails at once (SiteLoginFailed, non-retryable). Timeout and queue come from the plan.
function signingIn(taskQueue: string, timeoutMs: number, url: string) {
  return proxyActivities<Activities>({
    summary: `sign in for the crawl of ${url}`,
    taskQueue,
    startToCloseTimeout: timeoutMs,
    heartbeatTimeout: '30 seconds',
    scheduleToStartTimeout: '35 minutes',
    scheduleToCloseTimeout: '60 minutes',
    retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds', nonRetryableErrorTypes: PERMANENT },
  });
}

/**
 * A whole-site audit (docs/crawls.md). Its state is the database's: which pages are found, queued,
 * scanning, done; the workflow holds only the pages in flight. It visits queued pages breadth
 * first, at most `concurrency` at a time and one fetch per `intervalMs`, runs a ScanWorkflow per
 * HTML page as a child (workflow id `scan-<page id>`, never reused, so no page is scanned twice),
 * and continues as new every `pagesPerRun` pages once its children have finished, so its history
 * stays bounded. Cancelled, its children are cancelled and the crawl closes `cancelled`; a step
 * that exhausts its retries (or a sign-in that fails) closes it `failed`, cancelling what is in flight.
 */
export async function SiteCrawlWorkflow({ crawlId }: SiteCrawlInput): Promise<void> {
  const inFlight = new Map<string, Promise<void>>();
  const work = new CancellationScope();
  let next: 'done' | 'continue';
  try {
    next = await work.run(() => crawl(crawlId, inFlight));
  } catch (err) {
    const cancelled = isCancellation(err);
    // A failure cancels the scans in flight (a cancellation already has).
    if (!cancelled) work.cancel();
    const open = [...inFlight.keys()];
    await CancellationScope.nonCancellable(async () => {
      await Promise.allSettled(inFlight.values());
      for (const pageId of open) await attempt('settle a page', () => bookkeeping.settleCrawlPage(pageId));
      await attempt('close the crawl', () => bookkeeping.finishCrawl(crawlId, cancelled ? 'cancelled' : 'failed', cancelled ? undefined : failureReason(err)));
    });
    if (cancelled) throw err;
    return;
  }
  // Outside the try: continue-as-new is thrown, and it is no failure.
  if (next === 'continue') await continueAsNew<typeof SiteCrawlWorkflow>({ crawlId });
}

async function crawl(crawlId: string, inFlight: Map<string, Promise<void>>): Promise<'done' | 'continue'> {
  let plan: CrawlPlan = await seeding.openCrawl(crawlId, { signInFirst: true });
  if (plan.closed) return 'done';
  // A login recipe: this run signs in once, before its first fetch (docs/crawls.md). The flag is
  // read before patched(), so crawls without one keep the old commands and take no marker. A
  // login that fails throws: the crawl closes `failed` with its reason (SiteCrawlWorkflow's catch).
  if (plan.siteLogin && patched(CRAWL_PATCHES.siteLogin)) {
    await signingIn(plan.siteLogin.taskQueue, plan.siteLogin.timeoutMs, plan.url).signInCrawl(crawlId);
    if (!plan.siteLogin.seeded) {
      plan = await seeding.openCrawl(crawlId);
      if (plan.closed) return 'done';
    }
  }
  // Scans an earlier run started and did not settle (it failed between the two): settled first.
  for (const pageId of plan.scanning) track(inFlight, pageId, scanPage(crawlId, pageId, plan));

  let visited = plan.visited;
  let pending = 0; // visits in flight that may still count against max_pages
  let dispatched = 0;
  let nextSlot = 0;
  for (;;) {
    const wantsRest = dispatched >= plan.pagesPerRun || workflowInfo().continueAsNewSuggested;
    let exhausted = false;
    while (!wantsRest && inFlight.size < plan.concurrency && visited + pending < plan.maxPages && dispatched < plan.pagesPerRun) {
      const ids = await bookkeeping.nextCrawlPages(crawlId, [...inFlight.keys()], Math.min(plan.concurrency - inFlight.size, plan.maxPages - visited - pending));
      if (!ids.length) {
        exhausted = true;
        break;
      }
      for (const pageId of ids) {
        // Politeness: page fetches start at least intervalMs apart (Crawl-delay included). Each
        // visit gets its slot and waits for it in the activity: no timer per page (a timer costs
        // a workflow task round trip and history events); only a slot further ahead than the
        // activity may wait is waited for here.
        const slot = Math.max(Date.now(), nextSlot);
        nextSlot = slot + plan.intervalMs;
        if (slot - Date.now() > MAX_VISIT_WAIT_MS) await sleep(slot - Date.now() - MAX_VISIT_WAIT_MS);
        dispatched++;
        pending++;
        track(
          inFlight,
          pageId,
          visitPage(crawlId, pageId, slot).then(async (visit) => {
            pending--;
            if (visit.counted) visited++;
            if (visit.next === 'scan') await scanPage(crawlId, pageId, plan);
          }),
        );
      }
    }
    if (inFlight.size === 0) {
      // Drained: nothing of this run is in flight, so the next run starts from the database alone.
      if (visited >= plan.maxPages || exhausted || !(await bookkeeping.nextCrawlPages(crawlId, [], 1)).length) {
        await bookkeeping.finishCrawl(crawlId, 'completed');
        return 'done';
      }
      if (wantsRest || dispatched >= plan.pagesPerRun) return 'continue';
      continue;
    }
    await Promise.race(inFlight.values());
  }
}

function track(inFlight: Map<string, Promise<void>>, pageId: string, task: Promise<void>): void {
  inFlight.set(
    pageId,
    task.finally(() => inFlight.delete(pageId)),
  );
}

/** The page's fetch; one that exhausted its retries fails the page, not the crawl. */
async function visitPage(crawlId: string, pageId: string, notBefore: number) {
  try {
    return await visits.visitCrawlPage(crawlId, pageId, notBefore);
  } catch (err) {
    if (isCancellation(err)) throw err;
    await bookkeeping.failCrawlPage(pageId, failureReason(err));
    return { next: 'none' as const, counted: true };
  }
}

/**
 * The page's ScanWorkflow, as a child whose id is fixed by the page: a start replayed after a
 * worker kill is the same start, and REJECT_DUPLICATE refuses a second run of a finished one. A
 * scan already started (by an earlier run, or the API's resume of queued scans) is waited for
 * through its row. Closing the crawl cancels the scan (REQUEST_CANCEL), whose own failure path
 * closes its run.
 */
async function scanPage(crawlId: string, pageId: string, plan: CrawlPlan): Promise<void> {
  try {
    await executeChild<typeof ScanWorkflow>('ScanWorkflow', {
      workflowId: `scan-${pageId}`,
      args: [{ scanRunId: pageId }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
      staticSummary: `Crawl ${crawlId.slice(0, 8)} page of ${plan.url}`,
    });
  } catch (err) {
    if (isCancellation(err)) throw err;
    if (!(err instanceof Error && err.name === 'WorkflowExecutionAlreadyStartedError')) {
      // The child is over (failed, timed out, terminated) or never started: a run it left open is
      // closed failed here, so the page settles instead of being waited for.
      log.warn('crawl: a page scan failed', { pageId, error: failureReason(err) });
      await bookkeeping.failScanRun(pageId, `the scan did not finish: ${failureReason(err)}`);
    }
  }
  while (!(await bookkeeping.settleCrawlPage(pageId)).settled) await sleep(SETTLE_POLL);
}

async function attempt(what: string, step: () => Promise<unknown>): Promise<void> {
  try {
    await step();
  } catch (err) {
    log.warn(`crawl failure path: could not ${what}`, { error: failureReason(err) });
  }
}

function failureReason(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure || cause instanceof Error) return cause.message;
  return 'crawl failed';
}
