import type { Client } from '@temporalio/client';
import type { Db } from '../platform/db.ts';
import { startOnce } from '../platform/temporal.ts';
import type { ScanWorkflow } from '../workflows/scan.ts';

export const scanWorkflowId = (scanRunId: string) => `scan-${scanRunId}`;

/** Starts the run's ScanWorkflow; starting it twice is harmless (one workflow per run id). */
export function startScanWorkflow(temporal: Client, taskQueue: string, scanRunId: string): Promise<void> {
  return startOnce(() =>
    temporal.workflow.start<typeof ScanWorkflow>('ScanWorkflow', { taskQueue, workflowId: scanWorkflowId(scanRunId), args: [{ scanRunId }] }),
  );
}

/**
 * Starts the workflows of runs still `queued`: a run is written before its workflow starts, so an
 * API process that died in between leaves one behind. Read in pages of `batchSize` (by id), so a
 * large backlog never sits in memory at once. A Temporal error propagates: the caller
 * (resumeQueuedWork) logs it and the API keeps serving.
 */
export async function resumeQueuedScans(prisma: Db, temporal: Client, taskQueue: string, batchSize = RESUME_BATCH_SIZE): Promise<number> {
  return forEachQueued(
    (after) =>
      prisma.scanRun.findMany({ where: { status: 'queued', ...(after ? { id: { gt: after } } : {}) }, orderBy: { id: 'asc' }, take: batchSize, select: { id: true } }),
    batchSize,
    (id) => startScanWorkflow(temporal, taskQueue, id),
  );
}

export const RESUME_BATCH_SIZE = 100;

/** Pages through `page(afterId)` and runs `start` on each id, one at a time; the number started. */
export async function forEachQueued(page: (after: string | undefined) => Promise<Array<{ id: string }>>, batchSize: number, start: (id: string) => Promise<void>): Promise<number> {
  let started = 0;
  let after: string | undefined;
  for (;;) {
    const batch = await page(after);
    for (const { id } of batch) {
      await start(id);
      started++;
    }
    if (batch.length < batchSize) return started;
    after = batch.at(-1)!.id;
  }
}
