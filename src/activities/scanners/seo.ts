import { seoChecks } from '../../checks/seo/index.ts';
import { runChecks } from '../../checks/types.ts';
import type { SafeFetcher } from '../../gather/safe-fetch.ts';
import { gatherSeoArtifacts } from '../../gather/site-probes.ts';
import type { Db } from '../../platform/db.ts';
import { recordDetections, type ScannerResult } from '../findings-store.ts';
import { heartbeating } from '../heartbeat.ts';
import { loadPageArtifact } from '../page-capture.ts';
import { loadScanContext } from '../scan-context.ts';

export function createSeoScanner(prisma: Db, fetcher: SafeFetcher) {
  return {
    async runSeoScanner(scanRunId: string, snapshotId: string): Promise<ScannerResult> {
      const scan = await loadScanContext(prisma, scanRunId);
      const page = await loadPageArtifact(prisma, snapshotId);
      const artifacts = await heartbeating(() => gatherSeoArtifacts(fetcher, page));
      const detections = runChecks(seoChecks, artifacts);
      return recordDetections(prisma, scan, 'seo', page.finalUrl, detections);
    },
  };
}
