import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { ScannerName } from '../domain/scanners.ts';
import type { ScanRun, ScanTrigger } from '../generated/prisma/client.ts';
import type { Config } from '../platform/config.ts';
import type { Db } from '../platform/db.ts';
import { runSearchAttributes, summary } from '../platform/search-attributes.ts';
import { startOnce } from '../platform/temporal.ts';
import type { ScanWorkflow } from '../workflows/scan.ts';
import { kickoff } from './kickoff.ts';
import { recordScanEnd } from './notification-outbox.ts';
import { appendEndEvent } from './scan-events.ts';

export const scanWorkflowId = (scanRunId: string) => `scan-${scanRunId}`;

/** What a scan's workflow is found by in the Temporal UI (platform/search-attributes.ts). */
export type ScanRunRef = Pick<ScanRun, 'id' | 'org_id' | 'project_id' | 'url' | 'trigger' | 'scanners'>;

/** Starts the run's ScanWorkflow; starting it twice is harmless (one workflow per run id). */
export function startScanWorkflow(temporal: Client, taskQueue: string, run: ScanRunRef): Promise<void> {
  return startOnce(() =>
    temporal.workflow.start<typeof ScanWorkflow>('ScanWorkflow', {
      taskQueue,
      workflowId: scanWorkflowId(run.id),
      args: [{ scanRunId: run.id }],
      typedSearchAttributes: runSearchAttributes({ orgId: run.org_id, projectId: run.project_id, trigger: run.trigger, url: run.url }),
      staticSummary: summary(`Scan (${run.scanners.length ? run.scanners.join(', ') : 'all scanners'})`, run.url),
    }),
  );
}

export interface NewScan {
  /** The run's id when the caller chose it beforehand (a schedule's firing, so a retried start finds it); otherwise a new one. */
  id?: string;
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
  const id = scan.id ?? randomUUID();
  const now = new Date();
  return kickoff(prisma, temporal, {
    write: (tx, charge) =>
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
          // Lets a failed run give its unit back (refundScanRunCharge), from the workflow or the sweeper.
          ai_charge_period: charge?.charged ? charge.periodStart : null,
          started_at: now,
          inserted_at: now,
        },
      }),
    aiCharge: { config, orgId: scan.orgId },
    workflowId: scanWorkflowId(id),
    start: () =>
      startScanWorkflow(temporal, config.TEMPORAL_TASK_QUEUE, { id, org_id: scan.orgId, project_id: scan.projectId, url: scan.url, trigger: scan.trigger, scanners: scan.scanners }),
    compensate: async (tx) => {
      const { count } = await tx.scanRun.updateMany({
        where: { id, status: 'queued' },
        // The kickoff refunds the unit itself: the run no longer holds it.
        data: { status: 'failed', failure_reason: 'the scan could not be started', finished_at: new Date(), ai_charge_period: null },
      });
      if (count) {
        await appendEndEvent(tx, id, 'failed');
        await recordScanEnd(tx, id, 'failed', { health_score: null, findings: 0, failure_reason: 'the scan could not be started' });
      }
    },
    notStartedMessage: 'The scan could not be started; try again shortly',
  });
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
      prisma.scanRun.findMany({
        where: { status: 'queued', ...(after ? { id: { gt: after } } : {}) },
        orderBy: { id: 'asc' },
        take: batchSize,
        select: { id: true, org_id: true, project_id: true, url: true, trigger: true, scanners: true },
      }),
    batchSize,
    (run) => startScanWorkflow(temporal, taskQueue, run),
  );
}

export const RESUME_BATCH_SIZE = 100;

/** Pages through `page(afterId)` and runs `start` on each row, one at a time; the number started. */
export async function forEachQueued<Row extends { id: string }>(page: (after: string | undefined) => Promise<Row[]>, batchSize: number, start: (row: Row) => Promise<void>): Promise<number> {
  let started = 0;
  let after: string | undefined;
  for (;;) {
    const batch = await page(after);
    for (const row of batch) {
      await start(row);
      started++;
    }
    if (batch.length < batchSize) return started;
    after = batch.at(-1)!.id;
  }
}
