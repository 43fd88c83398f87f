import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import { closeConnection, withClosableRetries } from '../../src/platform/grpc-retry.ts';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/platform/search-attributes.ts';

let runtimeInstalled = false;

/** What the workers and their activities logged at WARN and above, for tests that search the logs. */
export const runtimeLog: LogEntry[] = [];
const errorPrinter = new DefaultLogger('ERROR');

/** A real Temporal dev server (the CLI's), one per test file. */
export async function startTemporal(): Promise<TestWorkflowEnvironment> {
  const path = process.env.TEMPORAL_CLI;
  if (!path) throw new Error('TEMPORAL_CLI is not set: run the tests through ./scripts/test');
  if (!runtimeInstalled) {
    Runtime.install({
      logger: new DefaultLogger('WARN', (entry) => {
        runtimeLog.push(entry);
        if (entry.level === 'ERROR') errorPrinter.error(entry.message, entry.meta);
      }),
    });
    runtimeInstalled = true;
  }
  // The search attributes every workflow carries (src/platform/search-attributes.ts), as scripts/dev registers them.
  const start = () => TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'existing-path', path }, searchAttributes: [...SEARCH_ATTRIBUTE_KEYS] } });
  // SDK Core gives the dev server 5 s to open its port: on a machine whose two cores are
  // saturated (load 20+) a start can miss that. Such a start leaves no server behind (Core kills
  // the child: ephemeral_server/mod.rs), so another attempt is safe. Other failures (a client that
  // cannot connect to a started server) are not retried: that server would be left running.
  for (let attempt = 1; ; attempt++) {
    try {
      return await withClosableClient(await start());
    } catch (err) {
      if (attempt >= 3 || !(err instanceof Error && err.message.includes('did not start within'))) throw err;
      errorPrinter.warn(`Temporal dev server start failed (attempt ${attempt}), retrying`, { error: err instanceof Error ? err.message : String(err) });
    }
  }
}

/**
 * The environment with a client whose retries are drained before its connection closes
 * (src/platform/grpc-retry.ts): a call a test or the stack's API left retrying at teardown would
 * otherwise fire after the close and throw "Channel has been shut down" in a timer, failing
 * whichever test file the Jest worker runs next (a CI run lost scan-failure.test.ts to one).
 */
async function withClosableClient(env: TestWorkflowEnvironment): Promise<TestWorkflowEnvironment> {
  const connection = withClosableRetries((interceptors) => Connection.lazy({ address: env.address, interceptors }));
  const client = new Client({ connection, namespace: env.namespace ?? 'default' });
  const teardownEnv = env.teardown.bind(env);
  return Object.assign(Object.create(env) as TestWorkflowEnvironment, {
    client,
    connection,
    async teardown() {
      await closeConnection(connection);
      await teardownEnv();
    },
  });
}

/** The workflows, bundled once by the global setup for every test file. */
export function workflowBundle(): { codePath: string } {
  const codePath = process.env.SITEWARDEN_TEST_WORKFLOW_BUNDLE;
  if (!codePath) throw new Error('the workflow bundle is made by the jest global setup');
  return { codePath };
}
