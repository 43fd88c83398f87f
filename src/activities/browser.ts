import { accessibilityChecks } from '../checks/accessibility/index.ts';
import { performanceChecks } from '../checks/performance/index.ts';
import { runChecks } from '../checks/types.ts';
import { runAxe } from '../gather/axe.ts';
import { withBrowser } from '../gather/browser.ts';
import { runLighthouse } from '../gather/lighthouse.ts';
import { fetchPageSpeed } from '../gather/pagespeed.ts';
import type { Config } from '../platform/config.ts';
import type { Db } from '../platform/db.ts';
import { recordDetections } from './findings-store.ts';
import { heartbeating } from './heartbeat.ts';
import { loadScanContext } from './scan-context.ts';

const DEFAULT_PAGESPEED_URL = 'https://www.googleapis.com/pagespeedonline/v5/runPagespeed';

/**
 * The scanners that drive Chromium. Each launch is its own browser (a shared one skews paint
 * metrics) and is closed on success, failure, cancellation and worker shutdown alike.
 */
export function createBrowserActivities(prisma: Db, config: Config) {
  // Every connection the browser opens goes through the SSRF guard, not only the page's own.
  const browserOptions = (signal: AbortSignal) => ({ chromePath: config.CHROME_PATH, signal, guard: { allowlist: config.allowlist } });

  return {
    async runAccessibilityScanner(scanRunId: string): Promise<{ findings: number }> {
      const scan = await loadScanContext(prisma, scanRunId);
      const artifacts = await heartbeating((signal) =>
        withBrowser(browserOptions(signal), (browser) =>
          runAxe(browser, scan.url, { allowlist: config.allowlist, timeoutMs: config.SCAN_FETCH_TIMEOUT_MS * 2 }),
        ),
      );
      const detections = runChecks(accessibilityChecks, artifacts);
      return { findings: (await recordDetections(prisma, scan, 'accessibility', artifacts.url, detections)).recorded };
    },

    async runPerformanceScanner(scanRunId: string): Promise<{ findings: number }> {
      const scan = await loadScanContext(prisma, scanRunId);
      const artifacts = await heartbeating((signal) =>
        config.PAGESPEED_API_URL || config.PAGESPEED_API_KEY
          ? fetchPageSpeed(
              {
                apiUrl: config.PAGESPEED_API_URL ?? DEFAULT_PAGESPEED_URL,
                ...(config.PAGESPEED_API_KEY ? { apiKey: config.PAGESPEED_API_KEY } : {}),
                timeoutMs: 120_000,
              },
              scan.url,
            )
          : withBrowser(browserOptions(signal), (browser) =>
              runLighthouse(browser, scan.url, { signal, timeoutMs: 150_000 }),
            ),
      );
      const detections = runChecks(performanceChecks, artifacts);
      return { findings: (await recordDetections(prisma, scan, 'performance', scan.url, detections)).recorded };
    },
  };
}
