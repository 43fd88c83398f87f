import type { Task, TaskPriority } from '../generated/prisma/client.ts';
import type { Db } from '../platform/db.ts';
import { isUniqueViolation, ONE_OPEN_TASK_PER_FINDING, RuleConflict } from './conflicts.ts';
import { taskSlaDueAt } from './current-policy.ts';
import { OPEN_TASK_STATUSES } from '../domain/lifecycle.ts';

interface Tenant {
  orgId: string;
  projectId: string;
}

export interface NewTask {
  findingId: string;
  title?: string;
  priority: TaskPriority;
  ownerId?: string | null;
  /** Undefined: from the project policy's SLA for the finding's severity. */
  slaDueAt?: Date | null;
  externalTicketKey?: string | null;
  prUrl?: string | null;
}

/**
 * Creates the finding's task. One open task per finding is a partial unique index, so of many
 * concurrent requests exactly one writes a row; the others get RuleConflict (409). Null when the
 * finding is not in the tenant's project.
 */
export async function createTask(prisma: Db, tenant: Tenant, input: NewTask): Promise<Task | null> {
  const finding = await prisma.finding.findFirst({ where: { id: input.findingId, org_id: tenant.orgId, project_id: tenant.projectId } });
  if (!finding) return null;
  try {
    return await prisma.task.create({
      data: {
        org_id: tenant.orgId,
        project_id: tenant.projectId,
        finding_id: finding.id,
        title: input.title ?? finding.title,
        priority: input.priority,
        owner_id: input.ownerId ?? null,
        sla_due_at: input.slaDueAt !== undefined ? input.slaDueAt : await taskSlaDueAt(prisma, finding),
        external_ticket_key: input.externalTicketKey ?? null,
        pr_url: input.prUrl ?? null,
      },
    });
  } catch (err) {
    if (!isUniqueViolation(err, ONE_OPEN_TASK_PER_FINDING)) throw err;
    const open = await prisma.task.findFirst({ where: { finding_id: finding.id, status: { in: [...OPEN_TASK_STATUSES] } }, select: { id: true } });
    throw new RuleConflict(`The finding already has an open task${open ? ` (${open.id})` : ''}`);
  }
}
