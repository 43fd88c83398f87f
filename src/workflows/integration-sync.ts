import { ActivityFailure, ApplicationFailure, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { TicketOutcome } from '../activities/integrations.ts';

export interface IntegrationSyncInput {
  integrationId: string;
}

export type IntegrationSyncOutcome =
  | { status: 'connected'; tickets: Record<TicketOutcome, number> }
  | { status: 'error'; reason: string };

/** Must match INTEGRATION_PERMANENT (activities/integrations.ts): the workflow bundle imports no activity code. */
const PERMANENT = ['IntegrationUnusable', 'TrackerRefused'];

const bookkeeping = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 milliseconds', maximumAttempts: 20, nonRetryableErrorTypes: PERMANENT },
});

/**
 * Calls to the tracker, a batch of tasks per activity (each SDK request is bounded by 20 s): a rate
 * limit or an outage is waited out with backoff, a refusal is not; a dead worker shows in 30 s.
 */
const ticketPushing = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 6, nonRetryableErrorTypes: PERMANENT },
});

/**
 * One sync of an integration (its row is `syncing`): each planned task's ticket is created (or
 * adopted), updated, closed or reopened in turn, a batch of tasks per activity, then the row is `connected` with last_sync_at. Any failure left after
 * retries stops the sync and sets `error` with the reason; tickets already pushed stay recorded,
 * so the next sync goes on from there without duplicates.
 */
export async function IntegrationSyncWorkflow({ integrationId }: IntegrationSyncInput): Promise<IntegrationSyncOutcome> {
  // adopted and reopened came later: the same commands, only the result counts more outcomes
  // (an activity result recorded before counts none of them, hence the ?? 0).
  const tickets: Record<TicketOutcome, number> = { created: 0, adopted: 0, updated: 0, unchanged: 0, closed: 0, reopened: 0, skipped: 0 };
  try {
    const plan = await bookkeeping.planIntegrationSync(integrationId);
    for (const batch of plan.batches) {
      const counts = await ticketPushing.syncTaskTickets(integrationId, batch);
      for (const outcome of Object.keys(tickets) as TicketOutcome[]) tickets[outcome] += counts[outcome] ?? 0;
    }
    await bookkeeping.finishIntegrationSync(integrationId);
    return { status: 'connected', tickets };
  } catch (err) {
    const reason = failureReason(err);
    await bookkeeping.failIntegrationSync(integrationId, reason);
    return { status: 'error', reason };
  }
}

function failureReason(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure || cause instanceof Error) return cause.message;
  return 'unknown failure';
}
