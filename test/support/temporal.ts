import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';

let runtimeInstalled = false;

/** A real Temporal dev server (the CLI's), one per test file. */
export async function startTemporal(): Promise<TestWorkflowEnvironment> {
  const path = process.env.TEMPORAL_CLI;
  if (!path) throw new Error('TEMPORAL_CLI is not set: run the tests through ./scripts/test');
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    runtimeInstalled = true;
  }
  return TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'existing-path', path } } });
}

export const WORKFLOWS_PATH = require.resolve('../../src/workflows/index.ts');
