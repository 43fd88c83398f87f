import { OPEN_REGRESSION_STATUS, OPEN_TASK_STATUSES } from '../domain/lifecycle.ts';
import type { Db } from '../platform/db.ts';
import { changeFinding } from './finding-changes.ts';
import { openRegression } from './regressions.ts';

export type DecisionOutcome = { ok: true } | { ok: false; message: string };

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
async function withLockedVerification(prisma: Db, verificationId: string, decide: (v: LockedVerification, tx: Parameters<Parameters<Db['$transaction']>[0]>[0]) => Promise<DecisionOutcome>) {
  return prisma.$transaction(async (tx) => {
    const [row] = await tx.$queryRaw<LockedVerification[]>`
      SELECT result, verified_at, reopened_at, task_id, finding_id FROM verifications WHERE id = ${verificationId}::uuid FOR UPDATE`;
    return row ? decide(row, tx) : refuse('no such verification');
  });
}

/** Approve: the verification is signed off, its task done, its finding resolved, open regressions closed. */
export function approveVerification(prisma: Db, verificationId: string, actor: { keyId: string | null; label: string }) {
  return withLockedVerification(prisma, verificationId, async (v, tx) => {
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
export function reopenVerification(prisma: Db, verificationId: string, actor: { label: string }) {
  return withLockedVerification(prisma, verificationId, async (v, tx) => {
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
