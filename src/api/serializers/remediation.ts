import type { Task, Verification } from '../../generated/prisma/client.ts';
import { iso } from './time.ts';

export function serializeTask(t: Task) {
  return {
    id: t.id,
    finding_id: t.finding_id,
    title: t.title,
    status: t.status,
    priority: t.priority,
    owner_id: t.owner_id,
    sla_due_at: iso(t.sla_due_at),
    external_ticket_key: t.external_ticket_key,
    pr_url: t.pr_url,
    created_at: iso(t.created_at),
    updated_at: iso(t.updated_at),
  };
}

/** The columns the answer shows (a lookup may read only these: routes/verifications.ts). */
export type ServedVerification = Pick<
  Verification,
  'id' | 'task_id' | 'finding_id' | 'result' | 'checks' | 'verified_by_id' | 'verified_at' | 'reopened_at' | 'workflow_id' | 'created_at' | 'updated_at'
>;

export function serializeVerification(v: ServedVerification) {
  return {
    id: v.id,
    task_id: v.task_id,
    finding_id: v.finding_id,
    result: v.result,
    checks: v.checks,
    verified_by_id: v.verified_by_id,
    verified_at: iso(v.verified_at),
    reopened_at: iso(v.reopened_at),
    workflow_id: v.workflow_id,
    created_at: iso(v.created_at),
    updated_at: iso(v.updated_at),
  };
}
