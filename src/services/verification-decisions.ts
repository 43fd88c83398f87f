import { settledCheck, type VerificationCheck } from '../domain/verification.ts';
import { OPEN_REGRESSION_STATUS, OPEN_TASK_STATUSES } from '../domain/lifecycle.ts';
import type { Db } from '../platform/db.ts';
import { refundAiUnit } from './ai-quota.ts';
import { changeFinding } from './finding-changes.ts';
import { recordVerificationResult } from './notification-outbox.ts';
import { openRegression } from './regressions.ts';

export type DecisionOutcome = { ok: true } | { ok: false; message: string };

/** The NOTIFY channel of applied decisions: payload `{"requestId": …, "outcome": …}`. */
export const DECISION_CHANNEL = 'verification_decisions';

export interface DecisionNotice {
  requestId: string;
  outcome: DecisionOutcome;
}

interface LockedVerification {
  result: 'pending' | 'passed' | 'failed';
  verified_at: Date | null;
  reopened_at: Date | null;
  task_id: string;
  finding_id: string;
}

const refuse = (message: string): DecisionOutcome => ({ ok: false, message });

/**
 * Each decision is one transaction over a row lock on the verification, so two racing decisions
 * apply one after the other and the second sees the first's result.
 */
async function withLockedVerification(
  prisma: Db,
  verificationId: string,
  requestId: string | undefined,
  decide: (v: LockedVerification, tx: Parameters<Parameters<Db['$transaction']>[0]>[0]) => Promise<DecisionOutcome>,
) {
  return prisma.$transaction(async (tx) => {
    const [row] = await tx.$queryRaw<LockedVerification[]>`
      SELECT result, verified_at, reopened_at, task_id, finding_id FROM verifications WHERE id = ${verificationId}::uuid FOR UPDATE`;
    const outcome = row ? await decide(row, tx) : refuse('no such verification');
    // Delivered on commit only, so the waiting API never hears of a decision that rolled back.
    if (requestId) {
      const notice: DecisionNotice = { requestId, outcome };
      await tx.$executeRaw`SELECT pg_notify(${DECISION_CHANNEL}, ${JSON.stringify(notice)})`;
    }
    return outcome;
  });
}

/** Approve: the verification is signed off, its task done, its finding resolved, open regressions closed. */
export function approveVerification(prisma: Db, verificationId: string, actor: { keyId: string | null; label: string }, requestId?: string) {
  return withLockedVerification(prisma, verificationId, requestId, async (v, tx) => {
    if (v.result !== 'passed') return refuse(`only a passed verification can be approved; this one is ${v.result}`);
    if (v.verified_at) return refuse('this verification is already approved');
    const now = new Date();
    await tx.verification.update({ where: { id: verificationId }, data: { verified_by_id: actor.keyId, verified_at: now } });
    await tx.task.update({ where: { id: v.task_id }, data: { status: 'done' } });
    await changeFinding(tx, v.finding_id, { status: 'resolved' }, actor.label);
    await tx.regression.updateMany({ where: { finding_id: v.finding_id, status: OPEN_REGRESSION_STATUS }, data: { status: 'closed', closed_at: now } });
    return { ok: true };
  });
}

/** Reopen (also after approval): verification failed, task and finding back in progress, a regression open (one per finding). */
export function reopenVerification(prisma: Db, verificationId: string, actor: { label: string }, requestId?: string) {
  return withLockedVerification(prisma, verificationId, requestId, async (v, tx) => {
    if (v.result === 'pending') return refuse('the verification has not finished yet');
    if (v.reopened_at) return refuse('this verification is already reopened');
    // One open task per finding: after approval, a new task may already carry the finding's work.
    const other = await tx.task.findFirst({
      where: { finding_id: v.finding_id, id: { not: v.task_id }, status: { in: [...OPEN_TASK_STATUSES] } },
      select: { id: true },
    });
    if (other) return refuse(`the finding has another open task (${other.id}); continue the work there`);
    const now = new Date();
    const verification = await tx.verification.update({ where: { id: verificationId }, data: { result: 'failed', reopened_at: now } });
    if (v.result === 'passed') await recordVerificationResult(tx, verificationId, 'failed', 'reopened');
    await tx.task.update({ where: { id: v.task_id }, data: { status: 'in_progress' } });
    const finding = await changeFinding(tx, v.finding_id, { status: 'in_progress' }, actor.label);
    await openRegression(tx, {
      orgId: verification.org_id,
      projectId: verification.project_id,
      findingId: finding.id,
      trigger: 'verification_reopened',
      verificationId,
      openedAt: now,
    });
    return { ok: true };
  });
}

/** A reason kept in a check's detail: one line, bounded (it may quote a page or a library). */
const boundedReason = (reason: string) => reason.replace(/\s+/g, ' ').trim().slice(0, 500) || 'unknown failure';

/**
 * A verification whose evaluation could not finish: `failed`, every unsettled check failed with
 * the reason, and the AI unit its run spent given back, in one transaction. Only a pending
 * verification changes (true then), so a repeated call neither overwrites a verdict nor refunds twice.
 */
export async function failPendingVerification(prisma: Db, verificationId: string, reason: string): Promise<boolean> {
  const detail = `evaluation failed: ${boundedReason(reason)}`;
  return prisma.$transaction(async (tx) => {
    const [row] = await tx.$queryRaw<Array<{ org_id: string; ai_charged_period: string | null }>>`
      SELECT org_id, ai_charged_period::text AS ai_charged_period FROM verifications
       WHERE id = ${verificationId}::uuid AND result = 'pending' FOR UPDATE`;
    if (!row) return false;
    const { checks: stored } = await tx.verification.findUniqueOrThrow({ where: { id: verificationId }, select: { checks: true } });
    const checks = (stored as VerificationCheck[]).map((c) => (c.status === 'running' ? settledCheck(c.key, false, detail) : c));
    await tx.verification.update({ where: { id: verificationId }, data: { result: 'failed', checks, ai_charged_period: null } });
    await recordVerificationResult(tx, verificationId, 'failed', 'evaluation_failed');
    if (row.ai_charged_period) await refundAiUnit(tx, { charged: true, orgId: row.org_id, periodStart: new Date(`${row.ai_charged_period}T00:00:00Z`) });
    return true;
  });
}
