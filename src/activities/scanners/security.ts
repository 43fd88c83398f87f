import { securityChecks } from '../../checks/security/index.ts';
import { observatoryResults } from '../../checks/security/observatory-results.ts';
import { securityGrade } from '../../domain/security-grade.ts';
import { runChecks } from '../../checks/types.ts';
import { withOriginAuth, type SafeFetcher } from '../../gather/safe-fetch.ts';
import { gatherSecurityArtifacts } from '../../gather/site-probes.ts';
import type { Db } from '../../platform/db.ts';
import { recordDetections, type ScannerResult } from '../findings-store.ts';
import { heartbeating } from '../heartbeat.ts';
import { loadPageArtifact } from '../page-capture.ts';
import { loadScanContext } from '../scan-context.ts';
import { originAuthForRun } from '../site-auth.ts';

export function createSecurityScanner(prisma: Db, fetcher: SafeFetcher, secret: string) {
  return {
    async runSecurityScanner(scanRunId: string, snapshotId: string): Promise<ScannerResult> {
      const scan = await loadScanContext(prisma, scanRunId);
      const page = await loadPageArtifact(prisma, snapshotId);
      // robots.txt and the sitemap are fetched with the site-auth's credentials too (their origin only).
      const siteFetcher = withOriginAuth(fetcher, await originAuthForRun(prisma, secret, scanRunId));
      const artifacts = await heartbeating(() => gatherSecurityArtifacts(siteFetcher, page));
      const detections = runChecks(securityChecks, artifacts);
      const result = await recordDetections(prisma, scan, 'security', page.finalUrl, detections);
      // The Observatory-method grade goes in the run's summary; finalizeScanRun keeps it. One
      // jsonb_set, so it never overwrites what the AI stage writes beside it.
      const grade = securityGrade(observatoryResults(artifacts));
      await prisma.$executeRaw`
        UPDATE scan_runs SET summary = jsonb_set(summary, '{security_grade}', ${JSON.stringify(grade)}::jsonb), updated_at = now()
         WHERE id = ${scanRunId}::uuid AND status = 'running'`;
      return result;
    },
  };
}
