import { seoChecks } from '../../checks/seo/index.ts';
import { runChecks } from '../../checks/types.ts';
import { withOriginAuth, type SafeFetcher } from '../../gather/safe-fetch.ts';
import { gatherSeoArtifacts } from '../../gather/site-probes.ts';
import type { Db } from '../../platform/db.ts';
import type { PageArtifact } from '../../checks/artifacts.ts';
import { recordDetections, type ScanContext, type ScannerResult } from '../findings-store.ts';
import { heartbeating } from '../heartbeat.ts';
import { loadPageArtifact } from '../page-capture.ts';
import { loadScanContext } from '../scan-context.ts';
import { originAuthForRun } from '../site-auth.ts';

/** The SEO scanner on a fetched page: robots.txt and sitemap probes, the checks, the findings. */
export async function seoScan(prisma: Db, fetcher: SafeFetcher, scan: ScanContext, page: PageArtifact): Promise<ScannerResult> {
  const artifacts = await gatherSeoArtifacts(fetcher, page);
  const detections = runChecks(seoChecks, artifacts);
  return recordDetections(prisma, scan, 'seo', page.finalUrl, detections);
}

export function createSeoScanner(prisma: Db, fetcher: SafeFetcher, secret: string) {
  return {
    async runSeoScanner(scanRunId: string, snapshotId: string): Promise<ScannerResult> {
      const scan = await loadScanContext(prisma, scanRunId);
      const page = await loadPageArtifact(prisma, snapshotId);
      // robots.txt and the sitemap are fetched with the site-auth's credentials too (their origin only).
      const siteFetcher = withOriginAuth(fetcher, await originAuthForRun(prisma, secret, scanRunId));
      return heartbeating(() => seoScan(prisma, siteFetcher, scan, page));
    },
  };
}
