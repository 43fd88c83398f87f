import { Router } from 'express';
import { z } from 'zod';
import { TaskPriority, TaskStatus } from '../../generated/prisma/enums.ts';
import { canMoveTask, findingStatusForTask, OPEN_FINDING_STATUSES } from '../../domain/lifecycle.ts';
import { changeFinding } from '../../services/finding-changes.ts';
import { createTask } from '../../services/tasks.ts';
import type { ApiDeps } from '../deps.ts';
import { sendData } from '../envelope.ts';
import { ApiError, invalidParams, notFound } from '../errors.ts';
import { requireScope } from '../middleware/auth.ts';
import { afterCursor, orderNewestFirst, toPage } from '../pagination.ts';
import { serializeTask } from '../serializers/remediation.ts';
import { cursorPageQuery, parseBody, parseQuery, uuidParam } from '../validation.ts';

const editable = {
  title: z.string().trim().min(1).max(300),
  priority: z.enum(TaskPriority),
  owner_id: z.uuid().nullable(),
  sla_due_at: z.iso.datetime({ offset: true }).nullable(),
  external_ticket_key: z.string().trim().min(1).max(100).nullable(),
  pr_url: z.url({ protocol: /^https?$/ }).max(2048).nullable(),
};

const createBody = z.strictObject({
  finding_id: z.uuid(),
  title: editable.title.optional(),
  priority: editable.priority.default('medium'),
  owner_id: editable.owner_id.optional(),
  sla_due_at: editable.sla_due_at.optional(),
  external_ticket_key: editable.external_ticket_key.optional(),
  pr_url: editable.pr_url.optional(),
});

const updateBody = z
  .strictObject({
    title: editable.title.optional(),
    status: z.enum(TaskStatus).optional(),
    priority: editable.priority.optional(),
    owner_id: editable.owner_id.optional(),
    sla_due_at: editable.sla_due_at.optional(),
    external_ticket_key: editable.external_ticket_key.optional(),
    pr_url: editable.pr_url.optional(),
    // Named so that trying to change it gets its own message.
    finding_id: z.unknown().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: 'give at least one field to change' });

const listQuery = cursorPageQuery.extend({ status: z.enum(TaskStatus).optional() });

const date = (value: string | null | undefined) => (value === undefined ? undefined : value === null ? null : new Date(value));

export function tasksRouter({ db }: ApiDeps): Router {
  const { prisma } = db;
  const router = Router({ mergeParams: true });

  router.post('/tasks', requireScope('audit:write'), async (req, res) => {
    const body = parseBody(req, createBody);
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
    const { cursor, limit, status } = parseQuery(req, listQuery);
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
    const { finding_id: findingId, status, sla_due_at: slaDueAt, ...fields } = parseBody(req, updateBody);
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
        data: { ...fields, ...(status ? { status } : {}), ...(slaDueAt !== undefined ? { sla_due_at: date(slaDueAt) } : {}) },
      });
    });
    sendData(res, 200, serializeTask(updated));
  });

  return router;
}
