import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { ReportExportWorkflow, ReportShareWorkflow } from '../workflows/report-export.ts';

export const reportExportWorkflowId = (reportId: string) => `report-export-${reportId}`;
export const reportShareWorkflowId = (deliveryId: string) => `report-share-${deliveryId}`;

/** Starting a workflow id twice is harmless: one workflow per report or delivery. */
async function startOnce(start: () => Promise<unknown>): Promise<void> {
  try {
    await start();
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

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
