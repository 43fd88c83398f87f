import type { Finding } from '../generated/prisma/client.ts';
import type { Db } from '../platform/db.ts';

/** Krafter's default `sla_hours`, used while a project has no stored policy. */
const DEFAULT_SLA_HOURS: Record<string, number> = { critical: 24, high: 72, medium: 168, low: 336 };

/** A new task's default due date: the policy's `sla_hours` for the finding's severity. */
export async function taskSlaDueAt(prisma: Db, finding: Pick<Finding, 'org_id' | 'project_id' | 'severity'>): Promise<Date | null> {
  const policy = await prisma.policy.findUnique({ where: { org_id_project_id: { org_id: finding.org_id, project_id: finding.project_id } } });
  const configured = (policy?.config as { sla_hours?: Record<string, unknown> } | null)?.sla_hours;
  const hours = policy ? configured?.[finding.severity] : DEFAULT_SLA_HOURS[finding.severity];
  return typeof hours === 'number' && hours > 0 ? new Date(Date.now() + hours * 3_600_000) : null;
}
