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
 * API process that died in between leaves one behind. Called when an API process starts.
 */
export async function resumeQueuedScans(prisma: Db, temporal: Client, taskQueue: string): Promise<number> {
  const queued = await prisma.scanRun.findMany({ where: { status: 'queued' }, select: { id: true } });
  for (const run of queued) await startScanWorkflow(temporal, taskQueue, run.id);
  return queued.length;
}
