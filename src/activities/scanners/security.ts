import { securityChecks } from '../../checks/security/index.ts';
import { observatoryResults } from '../../checks/security/observatory-results.ts';
import { securityGrade } from '../../domain/security-grade.ts';
import { runChecks } from '../../checks/types.ts';
import { withOriginAuth, type SafeFetcher } from '../../gather/safe-fetch.ts';
import { gatherSecurityArtifacts } from '../../gather/site-probes.ts';
import type { Db } from '../../platform/db.ts';
import type { PageArtifact } from '../../checks/artifacts.ts';
import { recordDetections, type ScanContext, type ScannerResult } from '../findings-store.ts';
import { heartbeating } from '../heartbeat.ts';
import { loadPageArtifact } from '../page-capture.ts';
import { loadScanContext } from '../scan-context.ts';
import { originAuthForRun } from '../site-auth.ts';

/** The security scanner on a fetched page: its probes, the checks, the findings and the grade. */
export async function securityScan(prisma: Db, fetcher: SafeFetcher, scan: ScanContext, page: PageArtifact): Promise<ScannerResult> {
  const artifacts = await gatherSecurityArtifacts(fetcher, page);
  const detections = runChecks(securityChecks, artifacts);
  const result = await recordDetections(prisma, scan, 'security', page.finalUrl, detections);
  // The Observatory-method grade goes in the run's summary; finalizeScanRun keeps it. One
  // jsonb_set, so it never overwrites what the AI stage writes beside it.
  const grade = securityGrade(observatoryResults(artifacts));
  await prisma.$executeRaw`
    UPDATE scan_runs SET summary = jsonb_set(summary, '{security_grade}', ${JSON.stringify(grade)}::jsonb), updated_at = now()
     WHERE id = ${scan.scanRunId}::uuid AND status = 'running'`;
  return result;
}

export function createSecurityScanner(prisma: Db, fetcher: SafeFetcher, secret: string) {
  return {
    async runSecurityScanner(scanRunId: string, snapshotId: string): Promise<ScannerResult> {
      const scan = await loadScanContext(prisma, scanRunId);
      const page = await loadPageArtifact(prisma, snapshotId);
      // robots.txt and the sitemap are fetched with the site-auth's credentials too (their origin only).
      const siteFetcher = withOriginAuth(fetcher, await originAuthForRun(prisma, secret, scanRunId));
      return heartbeating(() => securityScan(prisma, siteFetcher, scan, page));
    },
  };
}
