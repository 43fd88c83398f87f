import { Prisma } from '../generated/prisma/client.ts';
import { OPEN_TASK_STATUSES } from '../domain/lifecycle.ts';
import type { Db } from '../platform/db.ts';
import { recordNotificationEvent } from './notification-outbox.ts';

const BATCH = 200;

/**
 * Marks open tasks whose SLA passed as breached and writes a task.sla_breached event for each, in
 * one transaction: a task is reported once per breach (moving its sla_due_at clears the mark).
 * SKIP LOCKED lets several dispatchers sweep at once without waiting on, or doubling, each other.
 */
export async function recordSlaBreaches(prisma: Db, now = new Date()): Promise<number> {
  return prisma.$transaction(async (tx) => {
    const open = Prisma.join(OPEN_TASK_STATUSES.map((s) => Prisma.sql`${s}::"TaskStatus"`));
    const rows = await tx.$queryRaw<Array<{ id: string; org_id: string; project_id: string; finding_id: string; title: string; priority: string; sla_due_at: Date }>>`
      UPDATE tasks SET sla_breached_at = ${now}
       WHERE id IN (SELECT id FROM tasks
                     WHERE status IN (${open}) AND sla_due_at < ${now} AND sla_breached_at IS NULL
                     ORDER BY sla_due_at LIMIT ${BATCH} FOR UPDATE SKIP LOCKED)
      RETURNING id, org_id, project_id, finding_id, title, priority::text AS priority, sla_due_at`;
    for (const t of rows) {
      await recordNotificationEvent(tx, {
        orgId: t.org_id,
        projectId: t.project_id,
        type: 'task.sla_breached',
        data: { task_id: t.id, finding_id: t.finding_id, title: t.title.slice(0, 300), priority: t.priority, sla_due_at: t.sla_due_at.toISOString() },
      });
    }
    return rows.length;
  });
}
