import { Client, Connection, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { withClosableRetries } from './grpc-retry.ts';
import type { Config } from './config.ts';

/**
 * A client whose connection is made on first use: the API starts, listens and answers while
 * Temporal is down (readyz says so, kickoffs answer 503), and its calls succeed once Temporal is
 * back, without a restart. gRPC reconnects by itself.
 */
export function createTemporalClient(config: Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE'>): Client {
  // Closed with closeConnection (src/platform/grpc-retry.ts): no retry fires after the close.
  const connection = withClosableRetries((interceptors) => Connection.lazy({ address: config.TEMPORAL_ADDRESS, interceptors }));
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
}

const PROBE_DEADLINE_MS = 2_000;
const WAIT_FIRST_MS = 500;
const WAIT_MAX_MS = 15_000;

/**
 * Resolves once Temporal answers (true), or false once `signal` aborts. Waits between probes
 * grow from 0.5 s to 15 s; `onWait` hears about the first failed probe only, so an outage is one
 * log line, not one per probe.
 */
export async function untilTemporalAnswers(client: Client, signal: AbortSignal, onWait?: (err: Error) => void): Promise<boolean> {
  let wait = WAIT_FIRST_MS;
  for (let probe = 0; !signal.aborted; probe++) {
    try {
      await client.connection.withDeadline(Date.now() + PROBE_DEADLINE_MS, () => client.connection.workflowService.getSystemInfo({}));
      return true;
    } catch (err) {
      if (probe === 0) onWait?.(err as Error);
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, wait);
      timer.unref();
      signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
    wait = Math.min(wait * 2, WAIT_MAX_MS);
  }
  return false;
}

/** Starts a workflow unless its id already runs: one workflow per record, however often asked. */
export async function startOnce(start: () => Promise<unknown>): Promise<void> {
  try {
    await start();
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
