import { Context } from '@temporalio/activity';

/**
 * Runs `work` while heartbeating, so a worker that dies mid-activity is noticed within the
 * heartbeat timeout rather than the whole start-to-close timeout. `signal` fires on Temporal's
 * cancellation and on worker shutdown.
 */
export async function heartbeating<T>(work: (signal: AbortSignal) => Promise<T>, everyMs = 2_000): Promise<T> {
  const context = Context.current();
  // A local activity has no heartbeat (its workflow task is its liveness); cancellation still works.
  if (context.info.isLocal) return work(context.cancellationSignal);
  context.heartbeat();
  const timer = setInterval(() => context.heartbeat(), everyMs);
  try {
    return await work(context.cancellationSignal);
  } finally {
    clearInterval(timer);
  }
}
