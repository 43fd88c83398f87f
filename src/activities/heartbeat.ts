import { Context } from '@temporalio/activity';

/** How long a cancelled activity waits for its work to stop (withBrowser needs up to 5 s to reap Chromium). */
const CANCEL_GRACE_MS = 6_000;

/**
 * Runs `work` while heartbeating, so a worker that dies mid-activity is noticed within the
 * heartbeat timeout rather than the whole start-to-close timeout. `signal` fires on Temporal's
 * cancellation and on worker shutdown. On it, the activity fails with the cancellation as soon as
 * the work has stopped (work that honours the signal cleans up first: Chromium is killed before
 * the activity ends), or after `graceMs` if the work does not stop (a fetch bounded only by its own
 * timeout): what it returns later is dropped.
 */
export async function heartbeating<T>(work: (signal: AbortSignal) => Promise<T>, everyMs = 2_000, graceMs = CANCEL_GRACE_MS): Promise<T> {
  const context = Context.current();
  const signal = context.cancellationSignal;
  // A local activity has no heartbeat (its workflow task is its liveness); cancellation still works.
  if (context.info.isLocal) return work(signal);
  context.heartbeat();
  const timer = setInterval(() => context.heartbeat(), everyMs);
  let onAbort: (() => void) | undefined;
  try {
    signal.throwIfAborted();
    const running = work(signal);
    const settled = running.then(
      () => undefined,
      () => undefined,
    );
    const cancelled = new Promise<never>((_, reject) => {
      onAbort = () => {
        let grace: NodeJS.Timeout | undefined;
        void Promise.race([settled, new Promise<void>((resolve) => (grace = setTimeout(resolve, graceMs)))]).then(() => {
          clearTimeout(grace);
          reject(signal.reason);
        });
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
    return await Promise.race([running, cancelled]);
  } finally {
    clearInterval(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}
