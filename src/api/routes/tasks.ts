import { Router } from 'express';
import { canMoveTask, findingStatusForTask, OPEN_FINDING_STATUSES } from '../../domain/lifecycle.ts';
import { changeFinding } from '../../services/finding-changes.ts';
import { createTask } from '../../services/tasks.ts';
import type { ApiDeps } from '../deps.ts';
import { sendData } from '../envelope.ts';
import { ApiError, invalidParams, notFound } from '../errors.ts';
import { requireScope } from '../middleware/auth.ts';
import { afterCursor, orderNewestFirst, toPage } from '../pagination.ts';
import { createTaskBody, taskListQuery, updateTaskBody } from '../schemas/requests.ts';
import { serializeTask } from '../serializers/remediation.ts';
import { parseBody, parseQuery, uuidParam } from '../validation.ts';

const date = (value: string | null | undefined) => (value === undefined ? undefined : value === null ? null : new Date(value));

export function tasksRouter({ db }: ApiDeps): Router {
  const { prisma } = db;
  const router = Router({ mergeParams: true });

  router.post('/tasks', requireScope('audit:write'), async (req, res) => {
    const body = parseBody(req, createTaskBody);
    const task = await createTask(prisma, res.locals.tenant, {
      findingId: body.finding_id,
      title: body.title,
      priority: body.priority,
      ownerId: body.owner_id,
      slaDueAt: date(body.sla_due_at),
      externalTicketKey: body.external_ticket_key,
      prUrl: body.pr_url,
    });
    if (!task) throw invalidParams({ finding_id: ['no such finding in this project'] });
    sendData(res, 201, serializeTask(task));
  });

  router.get('/tasks', requireScope('audit:read'), async (req, res) => {
    const { cursor, limit, status } = parseQuery(req, taskListQuery);
    const { orgId, projectId } = res.locals.tenant;
    const scope = { org_id: orgId, project_id: projectId, ...(status ? { status } : {}) };
    const [rows, total] = await Promise.all([
      prisma.task.findMany({ where: { ...scope, ...afterCursor(cursor, 'created_at') }, orderBy: orderNewestFirst('created_at'), take: limit + 1 }),
      prisma.task.count({ where: scope }),
    ]);
    const page = toPage(rows, limit, (row) => row.created_at);
    sendData(res, 200, page.items.map(serializeTask), { total, next_cursor: page.nextCursor });
  });

  async function findTask(tenant: { orgId: string; projectId: string }, rawId: unknown) {
    const id = uuidParam.safeParse(rawId);
    if (!id.success) throw notFound();
    const task = await prisma.task.findFirst({ where: { id: id.data, org_id: tenant.orgId, project_id: tenant.projectId } });
    if (!task) throw notFound();
    return task;
  }

  router.get('/tasks/:task_id', requireScope('audit:read'), async (req, res) => {
    sendData(res, 200, serializeTask(await findTask(res.locals.tenant, req.params.task_id)));
  });

  /** Partial update. A status move carries the open finding along (in_progress, ready_verify). */
  router.patch('/tasks/:task_id', requireScope('audit:write'), async (req, res) => {
    const task = await findTask(res.locals.tenant, req.params.task_id);
    const { finding_id: findingId, status, sla_due_at: slaDueAt, ...fields } = parseBody(req, updateTaskBody);
    if (findingId !== undefined) throw invalidParams({ finding_id: ['cannot be changed; create a new task for another finding'] });
    if (status === 'done') throw new ApiError('conflict', 'A task is done when its verification is approved');
    if (status !== undefined && status !== task.status && !canMoveTask(task.status, status)) {
      throw new ApiError('conflict', `A task cannot move from ${task.status} to ${status}`);
    }
    const actor = `api_key:${res.locals.apiKey.keyId}`;
    const updated = await prisma.$transaction(async (tx) => {
      const findingStatus = status && status !== task.status ? findingStatusForTask(status) : undefined;
      if (findingStatus) {
        const finding = await tx.finding.findUniqueOrThrow({ where: { id: task.finding_id } });
        if (!OPEN_FINDING_STATUSES.includes(finding.status)) {
          throw new ApiError('conflict', `The task's finding is ${finding.status}; its task cannot move to ${status}`);
        }
        if (finding.status !== findingStatus) await changeFinding(tx, finding.id, { status: findingStatus }, actor);
      }
      return tx.task.update({
        where: { id: task.id },
        data: { ...fields, ...(status ? { status } : {}), ...(slaDueAt !== undefined ? { sla_due_at: date(slaDueAt), sla_breached_at: null } : {}) },
      });
    });
    sendData(res, 200, serializeTask(updated));
  });

  return router;
}
