import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { ScannerName } from '../domain/scanners.ts';
import type { ScanRun, ScanTrigger } from '../generated/prisma/client.ts';
import type { Config } from '../platform/config.ts';
import type { Db } from '../platform/db.ts';
import { startOnce } from '../platform/temporal.ts';
import type { ScanWorkflow } from '../workflows/scan.ts';
import { kickoff } from './kickoff.ts';

export const scanWorkflowId = (scanRunId: string) => `scan-${scanRunId}`;

/** Starts the run's ScanWorkflow; starting it twice is harmless (one workflow per run id). */
export function startScanWorkflow(temporal: Client, taskQueue: string, scanRunId: string): Promise<void> {
  return startOnce(() =>
    temporal.workflow.start<typeof ScanWorkflow>('ScanWorkflow', { taskQueue, workflowId: scanWorkflowId(scanRunId), args: [{ scanRunId }] }),
  );
}

export interface NewScan {
  orgId: string;
  projectId: string;
  /** Already checked against SSRF rules and the allowlist. */
  url: string;
  trigger: ScanTrigger;
  scanners: ScannerName[];
}

type ScanConfig = Pick<Config, 'TEMPORAL_TASK_QUEUE' | 'AI_QUOTA_UNITS' | 'AI_QUOTA_PERIOD'>;

/**
 * POST scans/run: the run and its AI unit in one transaction, then its workflow; a run whose
 * workflow did not start is failed and its unit refunded (services/kickoff.ts).
 */
export function kickoffScan(prisma: Db, temporal: Client, config: ScanConfig, scan: NewScan): Promise<ScanRun> {
  const id = randomUUID();
  const now = new Date();
  return kickoff(prisma, temporal, {
    write: (tx) =>
      tx.scanRun.create({
        data: {
          id,
          org_id: scan.orgId,
          project_id: scan.projectId,
          url: scan.url,
          trigger: scan.trigger,
          scanners: scan.scanners,
          status: 'queued',
          scanner_status: Object.fromEntries(scan.scanners.map((name) => [name, { status: 'pending' }])),
          analysis: { status: 'pending' },
          workflow_id: scanWorkflowId(id),
          started_at: now,
          inserted_at: now,
        },
      }),
    aiCharge: { config, orgId: scan.orgId },
    workflowId: scanWorkflowId(id),
    start: () => startScanWorkflow(temporal, config.TEMPORAL_TASK_QUEUE, id),
    compensate: (tx) =>
      tx.scanRun.updateMany({
        where: { id, status: 'queued' },
        data: { status: 'failed', failure_reason: 'the scan could not be started', finished_at: new Date() },
      }),
    notStartedMessage: 'The scan could not be started; try again shortly',
  });
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
