import type { ProbeArtifact } from '../../checks/artifacts.ts';
import { securityChecks } from '../../checks/security/index.ts';
import { runChecks } from '../../checks/types.ts';
import type { SafeFetcher } from '../../gather/safe-fetch.ts';
import type { Db } from '../../platform/db.ts';
import { recordDetections } from '../findings-store.ts';
import { heartbeating } from '../heartbeat.ts';
import { loadPageArtifact, probe } from '../page-capture.ts';
import { loadScanContext } from '../scan-context.ts';

export function createSecurityScanner(prisma: Db, fetcher: SafeFetcher) {
  return {
    async runSecurityScanner(scanRunId: string, snapshotId: string): Promise<{ findings: number }> {
      const scan = await loadScanContext(prisma, scanRunId);
      const page = await loadPageArtifact(prisma, snapshotId);
      const plainHttp = await heartbeating(() => probePlainHttp(fetcher, page.finalUrl));
      const detections = runChecks(securityChecks, { page, plainHttp });
      const { recorded } = await recordDetections(prisma, scan, 'security', page.finalUrl, detections);
      return { findings: recorded };
    },
  };
}

/** The http:// twin of an https:// page: does it send visitors to HTTPS? */
async function probePlainHttp(fetcher: SafeFetcher, finalUrl: string): Promise<ProbeArtifact | null> {
  const url = new URL(finalUrl);
  if (url.protocol !== 'https:') return null;
  url.protocol = 'http:';
  url.port = '';
  return probe(fetcher, url.href, false);
}
