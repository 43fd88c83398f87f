import { randomUUID } from 'node:crypto';
import { OPEN_REGRESSION_STATUS } from '../domain/lifecycle.ts';
import { Prisma } from '../generated/prisma/client.ts';
import type { RegressionTrigger } from '../generated/prisma/enums.ts';
import { recordNotificationEvent } from './notification-outbox.ts';

export interface RegressionOpening {
  orgId: string;
  projectId: string;
  findingId: string;
  trigger: RegressionTrigger;
  scanRunId?: string;
  verificationId?: string;
  openedAt?: Date;
}

/**
 * Opens a regression of the finding unless one is open already (one open regression per finding,
 * a partial unique index): a scan's re-detection and a reopened verification of the same finding
 * describe one regression. Inside the caller's transaction; true when a row was written.
 */
export async function openRegression(tx: Prisma.TransactionClient, r: RegressionOpening): Promise<boolean> {
  // The conflict target names the index's predicate as a literal: PostgreSQL infers the partial
  // index from it at plan time, which a bound parameter would not allow.
  const written = await tx.$executeRaw`
    INSERT INTO regressions (id, org_id, project_id, finding_id, trigger, scan_run_id, verification_id, opened_at)
    VALUES (${randomUUID()}::uuid, ${r.orgId}::uuid, ${r.projectId}, ${r.findingId}::uuid, ${r.trigger}::"RegressionTrigger",
            ${r.scanRunId ?? null}::uuid, ${r.verificationId ?? null}::uuid, ${r.openedAt ?? new Date()})
    ON CONFLICT (finding_id) WHERE status = ${Prisma.raw(`'${OPEN_REGRESSION_STATUS}'`)} DO NOTHING`;
  if (written !== 1) return false;
  // finding.regressed, with the regression: one event per regression opened, none for a re-detection
  // of a finding whose regression is still open. Its severity is the finding's at that moment.
  const finding = await tx.finding.findUniqueOrThrow({ where: { id: r.findingId }, select: { title: true, severity: true, domain: true, check_id: true } });
  await recordNotificationEvent(tx, {
    orgId: r.orgId,
    projectId: r.projectId,
    type: 'finding.regressed',
    severity: finding.severity,
    data: {
      finding_id: r.findingId,
      title: finding.title.slice(0, 300),
      domain: finding.domain,
      check_id: finding.check_id,
      severity: finding.severity,
      trigger: r.trigger,
      scan_run_id: r.scanRunId ?? null,
      verification_id: r.verificationId ?? null,
    },
  });
  return true;
}
