import type { Finding, Policy, Prisma } from '../generated/prisma/client.ts';
import { OPEN_FINDING_STATUSES } from '../domain/lifecycle.ts';
import { DEFAULT_POLICY_CONFIG, DEFAULT_POLICY_NAME, slaHoursFor, type PolicyConfig, type SimulatedFinding } from '../domain/policy.ts';
import type { Db } from '../platform/db.ts';

interface Tenant {
  orgId: string;
  projectId: string;
}

const key = (tenant: Tenant) => ({ org_id_project_id: { org_id: tenant.orgId, project_id: tenant.projectId } });

/**
 * Inserts the policy unless the project has one (ON CONFLICT DO NOTHING on the one-per-project
 * key): the row it made, or undefined when another request got there first.
 */
async function insertUnlessPresent(prisma: Db, tenant: Tenant, name: string, config: PolicyConfig): Promise<Policy | undefined> {
  const [created] = await prisma.policy.createManyAndReturn({
    data: [{ org_id: tenant.orgId, project_id: tenant.projectId, name, config: config as Prisma.InputJsonObject }],
    skipDuplicates: true,
  });
  return created;
}

/** The project's policy; the first read creates Krafter's default, once however many race. */
export async function currentPolicy(prisma: Db, tenant: Tenant): Promise<Policy> {
  return (
    (await prisma.policy.findUnique({ where: key(tenant) })) ??
    (await insertUnlessPresent(prisma, tenant, DEFAULT_POLICY_NAME, DEFAULT_POLICY_CONFIG)) ??
    (await prisma.policy.findUniqueOrThrow({ where: key(tenant) }))
  );
}

/** PUT policies/current: replaces name and config wholesale, creating the policy if there is none. */
export async function replaceCurrentPolicy(prisma: Db, tenant: Tenant, name: string, config: PolicyConfig): Promise<Policy> {
  return (
    (await insertUnlessPresent(prisma, tenant, name, config)) ??
    (await prisma.policy.update({ where: key(tenant), data: { name, config: config as Prisma.InputJsonObject, active: true } }))
  );
}

/**
 * The project's open findings, as a scan would rate them again: only the columns the simulation
 * reads (the evidence itself can be large), in the findings list's order.
 */
export function openFindingsForSimulation(prisma: Db, tenant: Tenant): Promise<SimulatedFinding[]> {
  return prisma.$queryRaw<SimulatedFinding[]>`
    SELECT id, title, domain, check_id, severity, severity_source, evidence->'check_severity' AS check_severity
    FROM findings
    WHERE org_id = ${tenant.orgId}::uuid AND project_id = ${tenant.projectId}
      AND status = ANY(${[...OPEN_FINDING_STATUSES]}::"FindingStatus"[])
    ORDER BY priority_score DESC, inserted_at DESC, id DESC`;
}

/**
 * A new task's default due date: the policy's `sla_hours` for the finding's severity (Krafter's
 * default hours while the project has no stored policy). Reading it creates nothing.
 */
export async function taskSlaDueAt(prisma: Db, finding: Pick<Finding, 'org_id' | 'project_id' | 'severity'>): Promise<Date | null> {
  const policy = await prisma.policy.findUnique({ where: key({ orgId: finding.org_id, projectId: finding.project_id }) });
  const hours = slaHoursFor(finding.severity, policy ? policy.config : DEFAULT_POLICY_CONFIG);
  return hours === undefined ? null : new Date(Date.now() + hours * 3_600_000);
}
