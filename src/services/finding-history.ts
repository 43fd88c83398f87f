import type { FindingEvent } from '../generated/prisma/client.ts';
import type { Db } from '../platform/db.ts';

interface Tenant {
  orgId: string;
  projectId: string;
}

/**
 * A finding's history, newest first, one keyset page (`where` from api/pagination.ts's
 * afterCursor on created_at). Null when the finding is not the tenant's.
 */
export async function listFindingEvents(
  prisma: Db,
  tenant: Tenant,
  findingId: string,
  page: { where: object; orderBy: object[]; take: number },
): Promise<{ rows: FindingEvent[]; total: number } | null> {
  const finding = await prisma.finding.findFirst({ where: { id: findingId, org_id: tenant.orgId, project_id: tenant.projectId }, select: { id: true } });
  if (!finding) return null;
  const where = { finding_id: findingId };
  const [rows, total] = await Promise.all([
    prisma.findingEvent.findMany({ where: { ...where, ...page.where }, orderBy: page.orderBy as never, take: page.take }),
    prisma.findingEvent.count({ where }),
  ]);
  return { rows, total };
}
