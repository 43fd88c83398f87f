import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { ActivityFailure, ApplicationFailure, proxyActivities, proxyLocalActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { FiringOutcome } from '../services/schedule-runs.ts';

export interface ScheduledAuditInput {
  scheduleId: string;
}

/** Set by Temporal on every workflow a Schedule starts: the time it fired (or was triggered). */
const SCHEDULED_START_TIME = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

// Starting the scan goes through the kickoff (a transaction, then a workflow start that may wait
// up to 10 s for Temporal, then a check): an ordinary activity, with the client in its context.
const starting = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
});

// Reading one row, or failing one: short database work, spared two round trips each.
const bookkeeping = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 10 },
});

/**
 * The wait between looks at the scan, by how long it has run: most scans end within seconds, and a
 * firing due while this workflow still waits is skipped, so the looks are frequent at first; a long
 * scan (a crawl) is looked at twice a minute, which keeps the history small (about 130 looks an hour).
 */
export function nextLookMs(waitedMs: number): number {
  if (waitedMs < 10_000) return 1_000;
  if (waitedMs < 60_000) return 5_000;
  return 30_000;
}

/**
 * One firing of a schedule (src/services/schedules.ts): starts the scan (or, for a crawl schedule,
 * the crawl) through the API's kickoff,
 * records the run, and waits for the scan to end, so that the schedule's overlap policy (skip) holds
 * for the scan itself: a firing while it still runs starts nothing. A start that fails is recorded
 * failed by the activity; one that runs out of attempts is recorded here. Either way the firing
 * ends without failing, and the schedule fires again next time. It holds nothing else to release.
 */
export async function ScheduledAuditWorkflow({ scheduleId }: ScheduledAuditInput): Promise<FiringOutcome> {
  const info = workflowInfo();
  const scheduledAt = (info.typedSearchAttributes.get(SCHEDULED_START_TIME) ?? info.startTime).toISOString();
  let outcome: FiringOutcome;
  try {
    outcome = await starting.startScheduledRun({ scheduleId, firingId: info.workflowId, scheduledAt });
  } catch (err) {
    const reason = `the run could not be started: ${failureMessage(err)}`;
    await bookkeeping.failScheduledRun(info.workflowId, reason);
    return { status: 'skipped', reason };
  }
  if (outcome.status !== 'started') return outcome;
  // A crawl schedule's firing waits for its crawl the same way (one activity answers for both ids).
  const started = outcome.crawlId ?? outcome.scanRunId;
  for (let waited = 0; !(await bookkeeping.scheduledScanEnded(started)); ) {
    const wait = nextLookMs(waited);
    await sleep(wait);
    waited += wait;
  }
  return outcome;
}

function failureMessage(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure || cause instanceof Error) return cause.message;
  return 'unknown failure';
}
