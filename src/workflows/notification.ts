import { ActivityFailure, ApplicationFailure, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';

export interface NotificationInput {
  eventId: string;
  /** A retry of chosen deliveries (POST notifications/deliveries/:id/retry); absent, the event is routed. */
  deliveryIds?: string[];
}

export interface NotificationOutcome {
  delivered: number;
  failed: number;
}

/** The same list as NOTIFICATION_PERMANENT_ERRORS (activities/notifications.ts); the sandbox imports no activity code. */
const PERMANENT = ['TargetRefused', 'ReceiverRejected', 'MailRejected', 'NotConfigured', 'ChannelGone', 'OutcomeUnknown'];

const bookkeeping = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 milliseconds', maximumAttempts: 20 },
});

/**
 * One outbox event (workflow id `notification-<event id>`, so dispatching it twice starts it once):
 * route it to the project's channels (a delivery row each), send to all of them concurrently, each
 * retried with backoff by Temporal's retry policy, and mark the deliveries that ran out of
 * attempts `failed`. It holds nothing but those rows, which every path leaves settled.
 */
export async function NotificationWorkflow({ eventId, deliveryIds }: NotificationInput): Promise<NotificationOutcome> {
  const plan = await bookkeeping.routeNotificationEvent(eventId, deliveryIds ?? null);
  const sender = proxyActivities<Activities>({
    startToCloseTimeout: plan.sendTimeoutMs + 5_000,
    // A worker that dies mid-send is noticed within this, not the whole start-to-close timeout.
    heartbeatTimeout: '10 seconds',
    retry: {
      initialInterval: plan.retry.initialIntervalMs,
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      maximumAttempts: plan.retry.maximumAttempts,
      nonRetryableErrorTypes: PERMANENT,
    },
  });
  const settled = await Promise.allSettled(plan.deliveryIds.map((id) => sender.deliverNotification(id)));
  const outcome: NotificationOutcome = { delivered: 0, failed: 0 };
  for (const [index, result] of settled.entries()) {
    if (result.status === 'fulfilled') {
      outcome[result.value] += 1;
      continue;
    }
    await bookkeeping.failNotificationDelivery(plan.deliveryIds[index]!, failureReason(result.reason));
    outcome.failed += 1;
  }
  return outcome;
}

function failureReason(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure || cause instanceof Error) return cause.message;
  return 'unknown failure';
}
