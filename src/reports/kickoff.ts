import type { Client } from '@temporalio/client';
import type { Db } from '../platform/db.ts';
import { startOnce } from '../platform/temporal.ts';
import { forEachQueued, RESUME_BATCH_SIZE } from '../services/scan-kickoff.ts';
import type { ReportExportWorkflow, ReportShareWorkflow } from '../workflows/report-export.ts';

export const reportExportWorkflowId = (reportId: string) => `report-export-${reportId}`;
export const reportShareWorkflowId = (deliveryId: string) => `report-share-${deliveryId}`;

export function startReportExport(temporal: Client, taskQueue: string, reportId: string): Promise<void> {
  return startOnce(() =>
    temporal.workflow.start<typeof ReportExportWorkflow>('ReportExportWorkflow', {
      taskQueue,
      workflowId: reportExportWorkflowId(reportId),
      args: [{ reportId }],
    }),
  );
}

export function startReportShare(temporal: Client, taskQueue: string, deliveryId: string): Promise<void> {
  return startOnce(() =>
    temporal.workflow.start<typeof ReportShareWorkflow>('ReportShareWorkflow', {
      taskQueue,
      workflowId: reportShareWorkflowId(deliveryId),
      args: [{ deliveryId }],
    }),
  );
}

/** Exports still `queued` when an API process starts: the one that wrote them died before starting them. Paged like resumeQueuedScans. */
export async function resumeQueuedReports(prisma: Db, temporal: Client, taskQueue: string, batchSize = RESUME_BATCH_SIZE): Promise<number> {
  return forEachQueued(
    (after) =>
      prisma.report.findMany({ where: { status: 'queued', ...(after ? { id: { gt: after } } : {}) }, orderBy: { id: 'asc' }, take: batchSize, select: { id: true } }),
    batchSize,
    (id) => startReportExport(temporal, taskQueue, id),
  );
}
