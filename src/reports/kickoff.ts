import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { NotificationDelivery, Prisma, Report } from '../generated/prisma/client.ts';
import type { ReportFormat } from '../generated/prisma/enums.ts';
import type { Config } from '../platform/config.ts';
import type { Db } from '../platform/db.ts';
import { runSearchAttributes, summary } from '../platform/search-attributes.ts';
import { startOnce } from '../platform/temporal.ts';
import { forEachQueued, RESUME_BATCH_SIZE } from '../services/scan-kickoff.ts';
import { kickoff } from '../services/kickoff.ts';
import type { ReportExportWorkflow, ReportShareWorkflow } from '../workflows/report-export.ts';

export const reportExportWorkflowId = (reportId: string) => `report-export-${reportId}`;
export const reportShareWorkflowId = (deliveryId: string) => `report-share-${deliveryId}`;

/** The tenant a report's workflows are found by in the Temporal UI; reports have no URL of their own. */
export interface ReportRef {
  orgId: string;
  projectId: string | null;
}

export function startReportExport(temporal: Client, taskQueue: string, reportId: string, ref: ReportRef & { format: string }): Promise<void> {
  return startOnce(() =>
    temporal.workflow.start<typeof ReportExportWorkflow>('ReportExportWorkflow', {
      taskQueue,
      workflowId: reportExportWorkflowId(reportId),
      args: [{ reportId }],
      typedSearchAttributes: runSearchAttributes({ ...ref, trigger: 'manual' }),
      staticSummary: summary(`Export a ${ref.format.toUpperCase()} report of project ${ref.projectId ?? '?'}`),
    }),
  );
}

export function startReportShare(temporal: Client, taskQueue: string, deliveryId: string, ref: ReportRef & { channel: string }): Promise<void> {
  return startOnce(() =>
    temporal.workflow.start<typeof ReportShareWorkflow>('ReportShareWorkflow', {
      taskQueue,
      workflowId: reportShareWorkflowId(deliveryId),
      args: [{ deliveryId }],
      typedSearchAttributes: runSearchAttributes({ ...ref, trigger: 'manual' }),
      staticSummary: summary(`Share a report of project ${ref.projectId ?? '?'} by ${ref.channel}`),
    }),
  );
}

type ExportConfig = Pick<Config, 'TEMPORAL_TASK_QUEUE' | 'AI_QUOTA_UNITS' | 'AI_QUOTA_PERIOD'>;

export interface NewReport {
  orgId: string;
  projectId: string;
  format: ReportFormat;
  /** The project's figures when asked (reports/summary-queries.ts loadMetrics). */
  snapshot: Prisma.InputJsonObject;
}

/**
 * POST reports/export: the report and its AI unit in one transaction, then its workflow; a report
 * whose workflow did not start is failed and its unit refunded (services/kickoff.ts).
 */
export function kickoffReportExport(prisma: Db, temporal: Client, config: ExportConfig, report: NewReport): Promise<Report> {
  const id = randomUUID();
  return kickoff(prisma, temporal, {
    write: (tx) =>
      tx.report.create({
        data: {
          id,
          org_id: report.orgId,
          project_id: report.projectId,
          format: report.format,
          status: 'queued',
          snapshot: report.snapshot,
          workflow_id: reportExportWorkflowId(id),
        },
      }),
    aiCharge: { config, orgId: report.orgId },
    workflowId: reportExportWorkflowId(id),
    start: () => startReportExport(temporal, config.TEMPORAL_TASK_QUEUE, id, { orgId: report.orgId, projectId: report.projectId, format: report.format }),
    compensate: (tx) =>
      tx.report.updateMany({ where: { id, status: 'queued' }, data: { status: 'failed', failure_reason: 'the export could not be started' } }),
    notStartedMessage: 'The export could not be started; try again shortly',
  });
}

export interface NewShareDelivery {
  id: string;
  orgId: string;
  projectId: string;
  channel: 'email' | 'slack';
  reportId: string;
  /** Who it goes to, as shown (a webhook redacted). */
  target: string;
  payload: Prisma.InputJsonObject;
}

/** POST reports/share by email or Slack: the delivery row, then its workflow; free of AI units. */
export function kickoffReportShare(prisma: Db, temporal: Client, taskQueue: string, delivery: NewShareDelivery): Promise<NotificationDelivery> {
  return kickoff(prisma, temporal, {
    write: (tx) =>
      tx.notificationDelivery.create({
        data: {
          id: delivery.id,
          org_id: delivery.orgId,
          project_id: delivery.projectId,
          channel: delivery.channel,
          idempotency_key: `report-share:${delivery.reportId}:${delivery.id}`,
          target: delivery.target,
          payload: delivery.payload,
        },
      }),
    workflowId: reportShareWorkflowId(delivery.id),
    start: () => startReportShare(temporal, taskQueue, delivery.id, { orgId: delivery.orgId, projectId: delivery.projectId, channel: delivery.channel }),
    compensate: (tx) =>
      tx.notificationDelivery.updateMany({
        where: { id: delivery.id, status: 'pending' },
        data: { status: 'failed', last_error: 'the delivery could not be started' },
      }),
    notStartedMessage: 'The share could not be started; try again shortly',
  });
}

/** Exports still `queued` when an API process starts: the one that wrote them died before starting them. Paged like resumeQueuedScans. */
export async function resumeQueuedReports(prisma: Db, temporal: Client, taskQueue: string, batchSize = RESUME_BATCH_SIZE): Promise<number> {
  return forEachQueued(
    (after) =>
      prisma.report.findMany({
        where: { status: 'queued', ...(after ? { id: { gt: after } } : {}) },
        orderBy: { id: 'asc' },
        take: batchSize,
        select: { id: true, org_id: true, project_id: true, format: true },
      }),
    batchSize,
    (report) => startReportExport(temporal, taskQueue, report.id, { orgId: report.org_id, projectId: report.project_id, format: report.format }),
  );
}
