import type { Db } from '../platform/db.ts';
import type { ScanContext } from './findings-store.ts';

export async function loadScanContext(prisma: Db, scanRunId: string): Promise<ScanContext & { url: string }> {
  const run = await prisma.scanRun.findUniqueOrThrow({
    where: { id: scanRunId },
    select: { org_id: true, project_id: true, url: true },
  });
  return { scanRunId, orgId: run.org_id, projectId: run.project_id, url: run.url };
}
