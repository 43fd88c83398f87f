import { securityChecks } from '../../checks/security/index.ts';
import { runChecks } from '../../checks/types.ts';
import type { SafeFetcher } from '../../gather/safe-fetch.ts';
import { gatherSecurityArtifacts } from '../../gather/site-probes.ts';
import type { Db } from '../../platform/db.ts';
import { recordDetections, type ScannerResult } from '../findings-store.ts';
import { heartbeating } from '../heartbeat.ts';
import { loadPageArtifact } from '../page-capture.ts';
import { loadScanContext } from '../scan-context.ts';

export function createSecurityScanner(prisma: Db, fetcher: SafeFetcher) {
  return {
    async runSecurityScanner(scanRunId: string, snapshotId: string): Promise<ScannerResult> {
      const scan = await loadScanContext(prisma, scanRunId);
      const page = await loadPageArtifact(prisma, snapshotId);
      const artifacts = await heartbeating(() => gatherSecurityArtifacts(fetcher, page));
      const detections = runChecks(securityChecks, artifacts);
      return recordDetections(prisma, scan, 'security', page.finalUrl, detections);
    },
  };
}
