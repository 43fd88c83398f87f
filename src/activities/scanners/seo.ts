import { parseRobotsTxt } from '../../checks/seo/helpers.ts';
import { seoChecks } from '../../checks/seo/index.ts';
import { runChecks } from '../../checks/types.ts';
import type { SafeFetcher } from '../../gather/safe-fetch.ts';
import type { Db } from '../../platform/db.ts';
import { recordDetections } from '../findings-store.ts';
import { heartbeating } from '../heartbeat.ts';
import { loadPageArtifact, probe } from '../page-capture.ts';
import { loadScanContext } from '../scan-context.ts';

export function createSeoScanner(prisma: Db, fetcher: SafeFetcher) {
  return {
    async runSeoScanner(scanRunId: string, snapshotId: string): Promise<{ findings: number }> {
      const scan = await loadScanContext(prisma, scanRunId);
      const page = await loadPageArtifact(prisma, snapshotId);
      const { robotsTxt, sitemap } = await heartbeating(() => probeCrawlerFiles(fetcher, page.finalUrl));
      const detections = runChecks(seoChecks, { page, robotsTxt, sitemap });
      const { recorded } = await recordDetections(prisma, scan, 'seo', page.finalUrl, detections);
      return { findings: recorded };
    },
  };
}

/** robots.txt, and the sitemap it names (else /sitemap.xml). */
async function probeCrawlerFiles(fetcher: SafeFetcher, pageUrl: string) {
  const origin = new URL(pageUrl).origin;
  const robotsTxt = await probe(fetcher, `${origin}/robots.txt`);
  const declared = parseRobotsTxt(robotsTxt)?.getSitemaps()[0];
  const sitemap = await probe(fetcher, declared ?? `${origin}/sitemap.xml`);
  return { robotsTxt, sitemap };
}
