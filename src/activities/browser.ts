import { aiAccessibilityReview } from '../checks/accessibility/ai-review.ts';
import { accessibilityChecks } from '../checks/accessibility/index.ts';
import { performanceChecks } from '../checks/performance/index.ts';
import { runCheck, runChecks } from '../checks/types.ts';
import { Context } from '@temporalio/activity';
import { scanTimeouts } from '../domain/activity-timeouts.ts';
import { performanceLab } from '../domain/lab-summary.ts';
import { runsThatFit } from '../domain/project-settings.ts';
import { gatherAccessibility, gatherPerformance } from '../gather/browser-audits.ts';
import type { Config } from '../platform/config.ts';
import { resolveInstanceSecret } from '../platform/crypto.ts';
import type { Db } from '../platform/db.ts';
import { reviewScannedPage } from './analysis.ts';
import { recordDetections, type ScannerResult } from './findings-store.ts';
import type { BrowserShare } from './browser-share.ts';
import { loadScanContext } from './scan-context.ts';
import { projectSettings } from '../services/projects.ts';
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
        'axe',
      );
      const detections = [
        ...runChecks(accessibilityChecks, artifacts),
        ...(ai.status === 'done' ? runCheck(aiAccessibilityReview, { url: artifacts.url, violations: artifacts.violations, review: ai.review }) : []),
      ];
      const recorded = await recordDetections(prisma, scan, 'accessibility', artifacts.url, detections);
      return { ...recorded, aiReview: ai.status === 'done' ? 'done' : `${ai.status}: ${ai.reason}` };
    },

    /**
     * The project's lighthouse_runs measurements of the page, one after another (the activity's
     * timeout in the scan plan allows for them); findings come from the median run, and the run's
     * summary gets every metric's spread.
     */
    async runPerformanceScanner(scanRunId: string): Promise<ScannerResult> {
      const scan = await loadScanContext(prisma, scanRunId);
      const { lighthouse_runs: wanted } = await projectSettings(prisma, scan.orgId, scan.projectId);
      // The plan timed this activity for the setting when the run opened; if it was raised since,
      // run as many as that timeout covers.
      const budgetMs = Context.current().info.startToCloseTimeoutMs;
      const pageSpeed = Boolean(config.PAGESPEED_API_URL || config.PAGESPEED_API_KEY);
      const runs = runsThatFit(wanted, (n) => {
        const timeouts = scanTimeouts(config, n);
        return (pageSpeed ? timeouts.pageSpeedMs : timeouts.lighthouseMs) <= budgetMs;
      });
      const auth = await originAuthForRun(prisma, secret, scanRunId);
      const artifacts = await share.run(scan.orgId, SCANNER_RUNS, (signal) => gatherPerformance(config, scan.url, signal, runs, auth));
      const detections = runChecks(performanceChecks, artifacts);
      const result = await recordDetections(prisma, scan, 'performance', scan.url, detections);
      // One jsonb_set, as the security grade's: finalizeScanRun keeps it, and it never overwrites
      // what the AI stage or another scanner writes beside it.
      await prisma.$executeRaw`
        UPDATE scan_runs SET summary = jsonb_set(summary, '{performance_lab}', ${JSON.stringify(performanceLab(artifacts))}::jsonb), updated_at = now()
         WHERE id = ${scanRunId}::uuid AND status = 'running'`;
      return result;
    },
  };
}
