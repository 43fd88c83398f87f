import { aiAccessibilityReview } from '../checks/accessibility/ai-review.ts';
import { accessibilityChecks } from '../checks/accessibility/index.ts';
import { performanceChecks } from '../checks/performance/index.ts';
import { runCheck, runChecks } from '../checks/types.ts';
import { gatherAccessibility, gatherPerformance } from '../gather/browser-audits.ts';
import type { Config } from '../platform/config.ts';
import { resolveInstanceSecret } from '../platform/crypto.ts';
import type { Db } from '../platform/db.ts';
import { reviewScannedPage } from './analysis.ts';
import { recordDetections, type ScannerResult } from './findings-store.ts';
import type { BrowserShare } from './browser-share.ts';
import { loadScanContext } from './scan-context.ts';
import { originAuthForRun } from './site-auth.ts';

/** Runs of a browser scanner that may fail before its slot fails (the rest of its attempts are turns in the queue). */
const SCANNER_RUNS = 2;

/**
 * The scanners that drive Chromium (or PageSpeed Insights); they run on the browser queue, each
 * within its org's fair share of it (browser-share.ts).
 */
export function createBrowserActivities(prisma: Db, config: Config, share: BrowserShare) {
  const secret = resolveInstanceSecret(config);
  return {
    /** axe-core and, with an AI provider configured, the model's review of the page's HTML beside it, merged. */
    async runAccessibilityScanner(scanRunId: string): Promise<ScannerResult & { aiReview: string }> {
      const scan = await loadScanContext(prisma, scanRunId);
      const auth = await originAuthForRun(prisma, secret, scanRunId);
      const [artifacts, ai] = await share.run(scan.orgId, SCANNER_RUNS, (signal) =>
        Promise.all([gatherAccessibility(config, scan.url, signal, auth), reviewScannedPage(prisma, config, scanRunId, signal)]),
      );
      const detections = [
        ...runChecks(accessibilityChecks, artifacts),
        ...(ai.status === 'done' ? runCheck(aiAccessibilityReview, { url: artifacts.url, violations: artifacts.violations, review: ai.review }) : []),
      ];
      const recorded = await recordDetections(prisma, scan, 'accessibility', artifacts.url, detections);
      return { ...recorded, aiReview: ai.status === 'done' ? 'done' : `${ai.status}: ${ai.reason}` };
    },

    async runPerformanceScanner(scanRunId: string): Promise<ScannerResult> {
      const scan = await loadScanContext(prisma, scanRunId);
      const auth = await originAuthForRun(prisma, secret, scanRunId);
      const artifacts = await share.run(scan.orgId, SCANNER_RUNS, (signal) => gatherPerformance(config, scan.url, signal, auth));
      const detections = runChecks(performanceChecks, artifacts);
      return recordDetections(prisma, scan, 'performance', scan.url, detections);
    },
  };
}
