import { setTimeout as sleep } from 'node:timers/promises';
import { type ConnectionLike, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';

/**
 * The Temporal client's gRPC retries (the SDK's own interceptor and backoff), made safe to close.
 * The SDK schedules each retry of a failed call with a bare setTimeout, and Connection.close()
 * does not clear those timers: a retry that fires after the close throws "Channel has been shut
 * down" inside the timer, an uncaught exception (a CI run lost a test file to one, thrown by a
 * call a stack's teardown left retrying). `drain()` stops new retries and waits until every
 * retry already scheduled has fired (at most the backoff's longest interval): a call that then
 * fails is answered with its status, not retried. Made with withClosableRetries, closed with closeConnection.
 */
function closableRetries(): { interceptor: ReturnType<typeof makeGrpcRetryInterceptor>; drain(): Promise<void> } {
  const base = defaultGrpcRetryOptions();
  let draining = false;
  let lastDue = 0;
  return {
    interceptor: makeGrpcRetryInterceptor({
      retryableDecider: (attempt, status) => !draining && base.retryableDecider(attempt, status),
      delayFunction: (attempt, status) => {
        const ms = base.delayFunction(attempt, status);
        lastDue = Math.max(lastDue, Date.now() + ms);
        return ms;
      },
    }),
    async drain() {
      draining = true;
      const wait = lastDue - Date.now();
      // The margin covers the timer's own lateness on a busy event loop.
      if (wait > 0) await sleep(wait + 50);
    },
  };
}

const drains = new WeakMap<ConnectionLike, () => Promise<void>>();

/**
 * A connection made by `connect` with closable retries (closableRetries) as its interceptors;
 * closeConnection drains them before it closes.
 */
export function withClosableRetries<C extends ConnectionLike>(connect: (interceptors: ReturnType<typeof makeGrpcRetryInterceptor>[]) => C): C {
  const retries = closableRetries();
  const connection = connect([retries.interceptor]);
  drains.set(connection, retries.drain);
  return connection;
}

/** Closes a client connection once the retries it scheduled have fired (see closableRetries). */
export async function closeConnection(connection: ConnectionLike): Promise<void> {
  await drains.get(connection)?.();
  await connection.close();
}
