import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Firing, FiringOutcome } from '../../src/services/schedule-runs.ts';
import { nextLookMs, type ScheduledAuditWorkflow } from '../../src/workflows/scheduled-audit.ts';
import { startTemporal, workflowBundle } from '../support/temporal.ts';

// ScheduledAuditWorkflow on a real Temporal dev server with stand-in activities: its failure path
// (the start runs out of attempts) and its wait for the scan, which the overlap policy relies on.

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTemporal();
});
afterAll(async () => {
  await env?.teardown();
});

interface Calls {
  starts: Firing[];
  failed: Array<[string, string]>;
  looks: number;
  /** The id each look asked about. */
  lookedAt: string[];
}

async function fire(start: (firing: Firing) => Promise<FiringOutcome>, endedAfterLooks: number): Promise<{ outcome: FiringOutcome; calls: Calls; ms: number }> {
  const calls: Calls = { starts: [], failed: [], looks: 0, lookedAt: [] };
  const taskQueue = `scheduled-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: workflowBundle(),
    activities: {
      startScheduledRun: async (firing: Firing) => (calls.starts.push(firing), start(firing)),
      failScheduledRun: async (firingId: string, reason: string) => void calls.failed.push([firingId, reason]),
      scheduledScanEnded: async (id: string) => (calls.lookedAt.push(id), ++calls.looks > endedAfterLooks),
    },
  });
  const began = Date.now();
  const outcome = await worker.runUntil(
    env.client.workflow.execute<typeof ScheduledAuditWorkflow>('ScheduledAuditWorkflow', { taskQueue, workflowId: `scheduled-test-${randomUUID()}`, args: [{ scheduleId: 'schedule-1' }] }),
  );
  return { outcome, calls, ms: Date.now() - began };
}

it('starts the run and waits for its scan to end, looking every second at first', async () => {
  const started: FiringOutcome = { status: 'started', runId: 'run-1', scanRunId: 'scan-1' };
  const { outcome, calls, ms } = await fire(async () => started, 3);
  expect(outcome).toEqual(started);
  expect(calls.starts).toEqual([{ scheduleId: 'schedule-1', firingId: expect.stringMatching(/^scheduled-test-/), scheduledAt: expect.any(String) }]);
  // Ended on the fourth look: three waits of a second.
  expect(calls.looks).toBe(4);
  expect(calls.lookedAt).toEqual(['scan-1', 'scan-1', 'scan-1', 'scan-1']);
  expect(ms).toBeGreaterThanOrEqual(3_000);
  expect(calls.failed).toEqual([]);
});

it("a crawl schedule's firing waits the same way for its crawl", async () => {
  const started: FiringOutcome = { status: 'started', runId: 'run-3', crawlId: 'crawl-1' };
  const { outcome, calls } = await fire(async () => started, 1);
  expect(outcome).toEqual(started);
  expect(calls.lookedAt).toEqual(['crawl-1', 'crawl-1']);
});

it('ends at once when the activity recorded the start failed', async () => {
  const failed: FiringOutcome = { status: 'failed', runId: 'run-2', reason: 'the URL is refused: not allowed' };
  const { outcome, calls } = await fire(async () => failed, 0);
  expect(outcome).toEqual(failed);
  expect(calls.looks).toBe(0);
});

it('records the run failed when its start runs out of attempts, and ends without failing', async () => {
  const { outcome, calls } = await fire(async () => {
    throw ApplicationFailure.nonRetryable('database unreachable', 'DatabaseDown');
  }, 0);
  expect(outcome).toEqual({ status: 'skipped', reason: 'the run could not be started: database unreachable' });
  expect(calls.failed).toEqual([[calls.starts[0]!.firingId, 'the run could not be started: database unreachable']]);
});

it('looks less often the longer the scan runs', () => {
  expect([0, 9_000, 10_000, 59_000, 60_000, 3_600_000].map(nextLookMs)).toEqual([1_000, 1_000, 5_000, 5_000, 30_000, 30_000]);
});
