import { randomUUID } from 'node:crypto';
import type { NotificationEventType } from '../domain/notifications.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import type { Severity } from '../generated/prisma/enums.ts';

/** The channel the dispatcher LISTENs on: a NOTIFY in the writing transaction wakes it at commit. */
export const OUTBOX_CHANNEL = 'sitewarden_notification_events';

export interface OutboxEvent {
  orgId: string;
  projectId: string;
  type: NotificationEventType;
  severity?: Severity | null;
  /** Ids and short facts only: the body of a webhook, so nothing secret and nothing large. */
  data: Record<string, string | number | boolean | null>;
}

/**
 * Writes an event to the outbox. Always inside the caller's transaction, the one that makes the
 * state change: the event exists if and only if the change committed (no event for a rolled-back
 * change, no change without its event), whatever crashes after.
 */
export async function recordNotificationEvent(tx: Prisma.TransactionClient, event: OutboxEvent): Promise<string> {
  const id = randomUUID();
  await tx.notificationEvent.create({
    data: { id, org_id: event.orgId, project_id: event.projectId, type: event.type, severity: event.severity ?? null, data: event.data },
  });
  // Delivered by PostgreSQL at commit only; the dispatcher also polls, so a lost NOTIFY only delays.
  await tx.$executeRaw`SELECT pg_notify(${OUTBOX_CHANNEL}, ${id})`;
  return id;
}

/**
 * scan.completed / scan.failed, in the transaction that closes the run. A crawl's page scans write
 * none: a crawl of a thousand pages would be a thousand alerts; the crawl's end is one event.
 */
export async function recordScanEnd(
  tx: Prisma.TransactionClient,
  scanRunId: string,
  status: 'completed' | 'failed',
  facts: { health_score: number | null; findings: number; failure_reason: string | null },
): Promise<void> {
  if (await tx.crawlPage.findUnique({ where: { scan_run_id: scanRunId }, select: { id: true } })) return;
  const run = await tx.scanRun.findUniqueOrThrow({ where: { id: scanRunId }, select: { org_id: true, project_id: true, url: true } });
  await recordNotificationEvent(tx, {
    orgId: run.org_id,
    projectId: run.project_id,
    type: status === 'completed' ? 'scan.completed' : 'scan.failed',
    data: { scan_run_id: scanRunId, url: run.url, status, ...facts },
  });
}

/** crawl.completed / crawl.failed, in the transaction that closes the crawl (a cancelled crawl writes none: a person asked for it). */
export async function recordCrawlEnd(tx: Prisma.TransactionClient, crawlId: string, status: 'completed' | 'failed', failureReason: string | null): Promise<void> {
  const crawl = await tx.crawl.findUniqueOrThrow({ where: { id: crawlId }, select: { org_id: true, project_id: true, url: true } });
  const pages = await tx.crawlPage.groupBy({ by: ['status'], where: { crawl_id: crawlId }, _count: { _all: true } });
  const count = (s: string) => pages.find((p) => p.status === s)?._count._all ?? 0;
  const health = await tx.crawlPage.aggregate({ where: { crawl_id: crawlId, status: 'scanned' }, _avg: { health_score: true } });
  const average = health._avg.health_score;
  await recordNotificationEvent(tx, {
    orgId: crawl.org_id,
    projectId: crawl.project_id,
    type: status === 'completed' ? 'crawl.completed' : 'crawl.failed',
    data: {
      crawl_id: crawlId,
      url: crawl.url,
      status,
      pages_scanned: count('scanned'),
      pages_failed: count('failed'),
      pages_skipped: count('skipped'),
      average_health_score: average === null ? null : Math.round(average),
      failure_reason: failureReason,
    },
  });
}

/** verification.passed / verification.failed, in the transaction that sets the verification's result. */
export async function recordVerificationResult(tx: Prisma.TransactionClient, verificationId: string, result: 'passed' | 'failed', cause: 'evaluated' | 'reopened' | 'evaluation_failed'): Promise<void> {
  const v = await tx.verification.findUniqueOrThrow({ where: { id: verificationId }, select: { org_id: true, project_id: true, task_id: true, finding_id: true } });
  await recordNotificationEvent(tx, {
    orgId: v.org_id,
    projectId: v.project_id,
    type: result === 'passed' ? 'verification.passed' : 'verification.failed',
    data: { verification_id: verificationId, task_id: v.task_id, finding_id: v.finding_id, result, cause },
  });
}
