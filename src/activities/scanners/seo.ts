import { seoChecks } from '../../checks/seo/index.ts';
import { runChecks } from '../../checks/types.ts';
import { withOriginAuth, type SafeFetcher } from '../../gather/safe-fetch.ts';
import { gatherSeoArtifacts } from '../../gather/site-probes.ts';
import type { Db } from '../../platform/db.ts';
import { recordDetections, type ScannerResult } from '../findings-store.ts';
import { heartbeating } from '../heartbeat.ts';
import { loadPageArtifact } from '../page-capture.ts';
import { loadScanContext } from '../scan-context.ts';
import { originAuthForRun } from '../site-auth.ts';

export function createSeoScanner(prisma: Db, fetcher: SafeFetcher, secret: string) {
  return {
    async runSeoScanner(scanRunId: string, snapshotId: string): Promise<ScannerResult> {
      const scan = await loadScanContext(prisma, scanRunId);
      const page = await loadPageArtifact(prisma, snapshotId);
      // robots.txt and the sitemap are fetched with the site-auth's credentials too (their origin only).
      const siteFetcher = withOriginAuth(fetcher, await originAuthForRun(prisma, secret, scanRunId));
      const artifacts = await heartbeating(() => gatherSeoArtifacts(siteFetcher, page));
      const detections = runChecks(seoChecks, artifacts);
      return recordDetections(prisma, scan, 'seo', page.finalUrl, detections);
    },
  };
}
