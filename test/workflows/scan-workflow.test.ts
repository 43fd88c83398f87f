import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { ScanWorkflow, scanStatusQuery } from '../../src/workflows/scan.ts';
import { startTemporal, WORKFLOWS_PATH } from '../support/temporal.ts';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTemporal();
});
afterAll(() => env?.teardown());

it('marks the run running, then failed with the placeholder reason, and answers the status query', async () => {
  const calls: string[] = [];
  const taskQueue = `test-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: WORKFLOWS_PATH,
    activities: {
      async markScanRunning(id: string) {
        calls.push(`running:${id}`);
      },
      async markScanFailed(id: string, reason: string) {
        calls.push(`failed:${id}:${reason}`);
      },
    },
  });
  const result = await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(ScanWorkflow, { taskQueue, workflowId: 'scan-abc', args: [{ scanRunId: 'abc' }] });
    const outcome = await handle.result();
    expect(await handle.query(scanStatusQuery)).toEqual(outcome);
    return outcome;
  });
  expect(calls).toEqual(['running:abc', 'failed:abc:scanners not built yet']);
  expect(result).toEqual({ status: 'failed', failureReason: 'scanners not built yet' });
});

it('retries a failing bookkeeping activity instead of losing the run', async () => {
  let attempts = 0;
  const taskQueue = `test-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: WORKFLOWS_PATH,
    activities: {
      async markScanRunning() {
        attempts++;
        if (attempts < 3) throw new Error('database briefly away');
      },
      async markScanFailed() {},
    },
  });
  await worker.runUntil(env.client.workflow.execute(ScanWorkflow, { taskQueue, workflowId: `scan-${randomUUID()}`, args: [{ scanRunId: 'x' }] }));
  expect(attempts).toBe(3);
});
