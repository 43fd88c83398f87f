import { randomUUID } from 'node:crypto';
import { WorkflowIdReusePolicy, WorkflowNotFoundError } from '@temporalio/client';
import { Router } from 'express';
import { Prisma } from '../../generated/prisma/client.ts';
import { sqlQuery } from '../../platform/db.ts';
import { createDecisionNotices } from '../../services/decision-notices.ts';
import type { DecisionOutcome } from '../../services/verification-decisions.ts';
import { loadVerificationWorkflowMetadata, runVerification } from '../../services/verification-runs.ts';
import type { DecisionRequest, VerificationWorkflow } from '../../workflows/verification.ts';
import type { ApiDeps } from '../deps.ts';
import { sendData } from '../envelope.ts';
import { ApiError, invalidParams, notFound } from '../errors.ts';
import { requireScope } from '../middleware/auth.ts';
import { afterCursor, orderNewestFirst, toPage } from '../pagination.ts';
import { runVerificationBody, verificationListQuery } from '../schemas/requests.ts';
import { serializeVerification, type ServedVerification } from '../serializers/remediation.ts';
import { parseBody, parseQuery, uuidParam } from '../validation.ts';

const DECISION_WAIT_MS = 15_000;

export function verificationsRouter({ config, db, temporal }: ApiDeps): Router {
  const { prisma } = db;
  const router = Router({ mergeParams: true });

  /**
   * The tenant's verification, the columns the answer shows. Plain SQL (sqlQuery): it is the
   * lookup of every poll of a running verification and of every decision, where Prisma's engine
   * cost more CPU than the query.
   */
  async function findVerification(tenant: { orgId: string; projectId: string }, rawId: unknown): Promise<ServedVerification> {
    const id = uuidParam.safeParse(rawId);
    if (!id.success) throw notFound();
    const [verification] = await sqlQuery<ServedVerification>(
      prisma,
      Prisma.sql`
        SELECT id, task_id, finding_id, result::text AS result, checks, verified_by_id, verified_at, reopened_at, workflow_id, created_at, updated_at
          FROM verifications WHERE id = ${id.data}::uuid AND org_id = ${tenant.orgId}::uuid AND project_id = ${tenant.projectId}`,
    );
    if (!verification) throw notFound();
    return verification;
  }

  router.post('/verifications/run', requireScope('audit:write'), async (req, res) => {
    const { task_id: taskId } = parseBody(req, runVerificationBody);
    const verification = await runVerification(prisma, temporal, config, res.locals.tenant, taskId);
    if (!verification) throw invalidParams({ task_id: ['no such task in this project'] });
    sendData(res, 202, serializeVerification(verification));
  });

  router.get('/verifications', requireScope('audit:read'), async (req, res) => {
    const { cursor, limit } = parseQuery(req, verificationListQuery);
    const { orgId, projectId } = res.locals.tenant;
    const scope = { org_id: orgId, project_id: projectId };
    const [rows, total] = await Promise.all([
      prisma.verification.findMany({ where: { ...scope, ...afterCursor(cursor, 'created_at') }, orderBy: orderNewestFirst('created_at'), take: limit + 1 }),
      prisma.verification.count({ where: scope }),
    ]);
    const page = toPage(rows, limit, (row) => row.created_at);
    sendData(res, 200, page.items.map(serializeVerification), { total, next_cursor: page.nextCursor });
  });

  router.get('/verifications/:verification_id', requireScope('audit:read'), async (req, res) => {
    sendData(res, 200, serializeVerification(await findVerification(res.locals.tenant, req.params.verification_id)));
  });

  /**
   * Approve and reopen reach the workflow as signals: a plain signal to the running workflow, and
   * signal-with-start when its decision window has passed (the workflow is closed, so it starts
   * again). The answer waits for the decision's own transaction to announce its outcome (NOTIFY
   * with this request's id, heard on the process's one LISTEN connection), which carries the
   * row's decided fields as committed: the answer is the row read before, with those. A notice
   * missed (timeout, lost connection) is read once from the workflow, and the row again.
   */
  const notices = createDecisionNotices(db.listener);
  for (const decision of ['approve', 'reopen'] as const) {
    router.post(`/verifications/:verification_id/${decision}`, requireScope('audit:write'), async (req, res) => {
      const verification = await findVerification(res.locals.tenant, req.params.verification_id);
      const request: DecisionRequest = { requestId: randomUUID(), actorKeyId: res.locals.apiKey.keyId };
      const pending = await notices.expect(request.requestId, DECISION_WAIT_MS);
      try {
        await signalDecision(res.locals.tenant, verification, decision, request);
      } catch (err) {
        pending.cancel();
        throw err;
      }
      const heard = await pending.outcome;
      const outcome = heard ?? (await readDecision(verification.workflow_id, request.requestId));
      if (!outcome.ok) throw new ApiError('conflict', outcome.message);
      const decided = heard?.verification;
      sendData(res, 200, serializeVerification(decided ? { ...verification, ...decided } : await prisma.verification.findUniqueOrThrow({ where: { id: verification.id } })));
    });
  }

  /**
   * The signal; signal-with-start only when the workflow is closed (its window passed): the plain
   * signal spares the search attributes' lookup and the server's start checks on every decision.
   */
  async function signalDecision(tenant: { orgId: string; projectId: string }, verification: { id: string; workflow_id: string; finding_id: string }, decision: 'approve' | 'reopen', request: DecisionRequest) {
    try {
      await temporal.workflow.getHandle<typeof VerificationWorkflow>(verification.workflow_id).signal<[DecisionRequest]>(decision, request);
      return;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    await temporal.workflow.signalWithStart<typeof VerificationWorkflow, [DecisionRequest]>('VerificationWorkflow', {
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      workflowId: verification.workflow_id,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      args: [{ verificationId: verification.id }],
      signal: decision,
      signalArgs: [request],
      ...(await loadVerificationWorkflowMetadata(prisma, tenant, verification.finding_id)),
    });
  }

  /** The fallback for a missed notice: one query of the workflow's answers. */
  async function readDecision(workflowId: string, requestId: string): Promise<DecisionOutcome> {
    const outcome = await temporal.workflow
      .getHandle(workflowId)
      .query<DecisionOutcome | null, [string]>('decision', requestId)
      .catch(() => null);
    if (outcome) return outcome;
    throw new ApiError('unavailable', 'The decision was sent but not confirmed in time; check the verification shortly');
  }

  return router;
}
