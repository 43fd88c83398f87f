import { settledCheck, type VerificationCheck } from '../domain/verification.ts';
import { OPEN_REGRESSION_STATUS, OPEN_TASK_STATUSES } from '../domain/lifecycle.ts';
import { Prisma } from '../generated/prisma/client.ts';
import { sqlTransaction, type Db } from '../platform/db.ts';
import { refundAiUnit } from './ai-quota.ts';
import { OUTBOX_CHANNEL, recordVerificationResult } from './notification-outbox.ts';

export type DecisionOutcome = { ok: true } | { ok: false; message: string };

/** The NOTIFY channel of applied decisions: payload `{"requestId": …, "outcome": …, "verification"?: …}`. */
export const DECISION_CHANNEL = 'verification_decisions';

/** What a decision may change on the verification row: the notice carries it, so the API answers without reading the row again. */
export interface DecidedFields {
  result: 'pending' | 'passed' | 'failed';
  verified_by_id: string | null;
  verified_at: Date | null;
  reopened_at: Date | null;
  updated_at: Date;
}

export interface DecisionNotice {
  requestId: string;
  outcome: DecisionOutcome;
  /** The row's decided fields as the decision's transaction committed them (applied decisions only). */
  verification?: DecidedFields;
}

interface LockedVerification {
  result: 'pending' | 'passed' | 'failed';
  verified_by_id: string | null;
  verified_at: Date | null;
  reopened_at: Date | null;
  task_id: string;
  finding_id: string;
}

const refuse = (message: string): DecisionOutcome => ({ ok: false, message });

const OPEN_TASKS = Prisma.join(OPEN_TASK_STATUSES.map((status) => Prisma.sql`${status}::"TaskStatus"`));

/**
 * Each decision is one transaction over a row lock on the verification, so two racing decisions
 * apply one after the other and the second sees the first's result. Two statements in it (docs/
 * remediation.md, "What a decision costs"): the lock, which reads what the rules need, and one
 * statement that makes every change and sends the notices, run only once the lock is held (so it
 * sees what a decision before it committed). `decide` answers with the refusal, or with that
 * statement and the fields it sets.
 */
async function withLockedVerification(
  prisma: Db,
  requestId: string | undefined,
  lockSql: Prisma.Sql,
  decide: (v: LockedVerification & { other_task?: string | null }, now: Date) => DecisionOutcome | { sql: (notice: string | null) => Prisma.Sql; fields: DecidedFields },
) {
  // Plain SQL, not a Prisma interactive transaction: the same statements for about 1 ms less CPU
  // per decision (platform/db.ts, sqlTransaction).
  return sqlTransaction(prisma, async (query) => {
    const [row] = await query<LockedVerification & { other_task?: string | null }>(lockSql);
    const decided = row ? decide(row, new Date()) : refuse('no such verification');
    const outcome: DecisionOutcome = 'sql' in decided ? { ok: true } : decided;
    // Delivered on commit only, so the waiting API never hears of a decision that rolled back.
    const notice = requestId ? JSON.stringify({ requestId, outcome, ...('sql' in decided ? { verification: decided.fields } : {}) } satisfies DecisionNotice) : null;
    if ('sql' in decided) await query(decided.sql(notice));
    else if (notice) await query(Prisma.sql`SELECT pg_notify(${DECISION_CHANNEL}, ${notice})`);
    return outcome;
  });
}

/**
 * The finding's status change and its FindingEvent when the status did change (as changeFinding
 * writes it): CTEs `finding_before` and `finding_after` for the statements that follow.
 */
const changeFindingStatus = (findingId: string, status: 'resolved' | 'in_progress', now: Date, actor: string) => Prisma.sql`
  finding_before AS (SELECT id, status FROM findings WHERE id = ${findingId}::uuid),
  finding_after AS (
    UPDATE findings SET status = ${status}::"FindingStatus", updated_at = ${now} WHERE id = ${findingId}::uuid
    RETURNING id, org_id, project_id, status, severity, priority_score, title, domain, check_id),
  finding_event AS (
    INSERT INTO finding_events (id, org_id, project_id, finding_id, kind, from_status, status, severity, priority_score, actor)
    SELECT gen_random_uuid(), a.org_id, a.project_id, a.id, 'status_changed'::"FindingEventKind", b.status, a.status, a.severity, a.priority_score, ${actor}
      FROM finding_after a JOIN finding_before b ON b.id = a.id
     WHERE a.status IS DISTINCT FROM b.status)`;

const decisionNotify = (notice: string | null) => Prisma.sql`SELECT pg_notify(${DECISION_CHANNEL}, ${notice}::text) WHERE ${notice}::text IS NOT NULL`;

/** Approve: the verification is signed off, its task done, its finding resolved, open regressions closed. */
export function approveVerification(prisma: Db, verificationId: string, actor: { keyId: string | null; label: string }, requestId?: string) {
  const lock = Prisma.sql`
    SELECT result, verified_by_id, verified_at, reopened_at, task_id, finding_id FROM verifications WHERE id = ${verificationId}::uuid FOR UPDATE`;
  return withLockedVerification(prisma, requestId, lock, (v, now) => {
    if (v.result !== 'passed') return refuse(`only a passed verification can be approved; this one is ${v.result}`);
    if (v.verified_at) return refuse('this verification is already approved');
    return {
      fields: { result: v.result, verified_by_id: actor.keyId, verified_at: now, reopened_at: v.reopened_at, updated_at: now },
      sql: (notice) => Prisma.sql`
        WITH verification AS (
          UPDATE verifications SET verified_by_id = ${actor.keyId}::uuid, verified_at = ${now}, updated_at = ${now} WHERE id = ${verificationId}::uuid RETURNING id),
        task AS (UPDATE tasks SET status = 'done'::"TaskStatus", updated_at = ${now} WHERE id = ${v.task_id}::uuid RETURNING id),
        ${changeFindingStatus(v.finding_id, 'resolved', now, actor.label)},
        regressions_closed AS (
          UPDATE regressions SET status = 'closed'::"RegressionStatus", closed_at = ${now}
           WHERE finding_id = ${v.finding_id}::uuid AND status = ${OPEN_REGRESSION_STATUS}::"RegressionStatus" RETURNING id)
        ${decisionNotify(notice)}`,
    };
  });
}

/**
 * Reopen (also after approval): verification failed, task and finding back in progress, a
 * regression open (one per finding), and their outbox events: verification.failed when it had
 * passed (recordVerificationResult), finding.regressed when the regression is new (openRegression).
 */
export function reopenVerification(prisma: Db, verificationId: string, actor: { label: string }, requestId?: string) {
  // One open task per finding: after approval, a new task may already carry the finding's work.
  // The subquery reads the snapshot taken before the lock was granted; only decisions take this
  // lock, and they create no task, so waiting for one changes nothing it reads.
  const lock = Prisma.sql`
    SELECT v.result, v.verified_by_id, v.verified_at, v.reopened_at, v.task_id, v.finding_id,
           (SELECT t.id FROM tasks t WHERE t.finding_id = v.finding_id AND t.id <> v.task_id AND t.status IN (${OPEN_TASKS}) LIMIT 1) AS other_task
      FROM verifications v WHERE v.id = ${verificationId}::uuid FOR UPDATE OF v`;
  return withLockedVerification(prisma, requestId, lock, (v, now) => {
    if (v.result === 'pending') return refuse('the verification has not finished yet');
    if (v.reopened_at) return refuse('this verification is already reopened');
    if (v.other_task) return refuse(`the finding has another open task (${v.other_task}); continue the work there`);
    const regressed = Prisma.raw(`'${OPEN_REGRESSION_STATUS}'`);
    return {
      fields: { result: 'failed', verified_by_id: v.verified_by_id, verified_at: v.verified_at, reopened_at: now, updated_at: now },
      sql: (notice) => Prisma.sql`
        WITH verification AS (
          UPDATE verifications SET result = 'failed'::"VerificationResult", reopened_at = ${now}, updated_at = ${now}
           WHERE id = ${verificationId}::uuid RETURNING id, org_id, project_id, task_id, finding_id),
        result_event AS (
          INSERT INTO notification_events (id, org_id, project_id, type, severity, data)
          SELECT gen_random_uuid(), org_id, project_id, 'verification.failed', NULL::"Severity",
                 jsonb_build_object('verification_id', id, 'task_id', task_id, 'finding_id', finding_id, 'result', 'failed', 'cause', 'reopened')
            FROM verification WHERE ${v.result === 'passed'}::boolean
          RETURNING id),
        task AS (UPDATE tasks SET status = 'in_progress'::"TaskStatus", updated_at = ${now} WHERE id = ${v.task_id}::uuid RETURNING id),
        ${changeFindingStatus(v.finding_id, 'in_progress', now, actor.label)},
        regression AS (
          -- The conflict target names the partial index's predicate as a literal (regressions.ts).
          INSERT INTO regressions (id, org_id, project_id, finding_id, trigger, scan_run_id, verification_id, opened_at)
          SELECT gen_random_uuid(), org_id, project_id, finding_id, 'verification_reopened'::"RegressionTrigger", NULL::uuid, id, ${now} FROM verification
          ON CONFLICT (finding_id) WHERE status = ${regressed} DO NOTHING
          RETURNING id),
        regressed_event AS (
          INSERT INTO notification_events (id, org_id, project_id, type, severity, data)
          SELECT gen_random_uuid(), v.org_id, v.project_id, 'finding.regressed', f.severity,
                 jsonb_build_object('finding_id', f.id, 'title', left(f.title, 300), 'domain', f.domain, 'check_id', f.check_id, 'severity', f.severity,
                                    'trigger', 'verification_reopened', 'scan_run_id', NULL, 'verification_id', v.id)
            FROM verification v CROSS JOIN finding_after f WHERE EXISTS (SELECT 1 FROM regression)
          RETURNING id)
        SELECT pg_notify(${OUTBOX_CHANNEL}, id::text) FROM result_event
        UNION ALL SELECT pg_notify(${OUTBOX_CHANNEL}, id::text) FROM regressed_event
        UNION ALL ${decisionNotify(notice)}`,
    };
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
