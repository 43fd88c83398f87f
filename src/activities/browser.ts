import { accessibilityChecks } from '../checks/accessibility/index.ts';
import { performanceChecks } from '../checks/performance/index.ts';
import { runChecks } from '../checks/types.ts';
import { gatherAccessibility, gatherPerformance } from '../gather/browser-audits.ts';
import type { Config } from '../platform/config.ts';
import type { Db } from '../platform/db.ts';
import { recordDetections } from './findings-store.ts';
import { heartbeating } from './heartbeat.ts';
import { loadScanContext } from './scan-context.ts';

/** The scanners that drive Chromium (or PageSpeed Insights); they run on the browser queue. */
export function createBrowserActivities(prisma: Db, config: Config) {
  return {
    async runAccessibilityScanner(scanRunId: string): Promise<{ findings: number }> {
      const scan = await loadScanContext(prisma, scanRunId);
      const artifacts = await heartbeating((signal) => gatherAccessibility(config, scan.url, signal));
      const detections = runChecks(accessibilityChecks, artifacts);
      return { findings: (await recordDetections(prisma, scan, 'accessibility', artifacts.url, detections)).recorded };
    },

    async runPerformanceScanner(scanRunId: string): Promise<{ findings: number }> {
      const scan = await loadScanContext(prisma, scanRunId);
      const artifacts = await heartbeating((signal) => gatherPerformance(config, scan.url, signal));
      const detections = runChecks(performanceChecks, artifacts);
      return { findings: (await recordDetections(prisma, scan, 'performance', scan.url, detections)).recorded };
    },
  };
}
