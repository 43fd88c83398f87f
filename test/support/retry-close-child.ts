/**
 * A client connection closed while a call it made is still retrying (nothing listens on the
 * port), as a test's teardown or a process's shutdown leaves one: `sdk` with the SDK's default
 * retries, `closable` with withClosableRetries and closeConnection. Prints "clean" if the process
 * outlives every retry; the SDK's throws "Channel has been shut down" from a timer instead.
 *   tsx test/support/retry-close-child.ts sdk|closable <port>
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { closeConnection, withClosableRetries } from '../../src/platform/grpc-retry.ts';

void (async () => {
  const [mode, port] = process.argv.slice(2);
  const address = `127.0.0.1:${port}`;
  const connection = mode === 'closable' ? withClosableRetries((interceptors) => Connection.lazy({ address, interceptors })) : Connection.lazy({ address });
  // Abandoned, as a teardown abandons it: only its retries matter here.
  connection.workflowService.getSystemInfo({}).catch(() => {});
  await sleep(500);
  await closeConnection(connection);
  // Every retry already scheduled fires within this (the backoff's intervals at these attempts).
  await sleep(4_000);
  console.log('clean');
})();
