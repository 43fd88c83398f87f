import { scanTimeouts } from '../domain/activity-timeouts.ts';
import type { Config } from '../platform/config.ts';
import type { Db } from '../platform/db.ts';
import type { WorkerMetrics } from '../platform/metrics.ts';
import type { Resolver, SafeFetcher } from '../gather/safe-fetch.ts';
import { createAnalysisActivities } from './analysis.ts';
import { createCrawlActivities } from './crawls.ts';
import type { BrowserShare } from './browser-share.ts';
import { createIntegrationActivities } from './integrations.ts';
import { createNotificationActivities } from './notifications.ts';
import { createPageCaptureActivities } from './page-capture.ts';
import { resolveInstanceSecret } from '../platform/crypto.ts';
import { createReportActivities } from './reports/index.ts';
import { createScanClosingActivities } from './scan-closing.ts';
import { createLightScanActivities } from './light-scan.ts';
import { createScanRunActivities, openRun, type ScanRunOptions } from './scan-runs.ts';
import { createSecurityScanner } from './scanners/security.ts';
import { createHttpScans } from './scanners/http-scans.ts';
import { createSeoScanner } from './scanners/seo.ts';
import { createScheduleActivities } from './schedules.ts';
import { createSweeperActivities } from './sweeper.ts';
import { createVerificationActivities } from './verifications.ts';

export interface ActivityDeps {
  prisma: Db;
  config: Config;
  fetcher: SafeFetcher;
  /** Where scans started and finished and browser queue waits are counted (the worker's registry). */
  metrics?: WorkerMetrics;
  /** The resolver behind the tracker SDKs' SSRF guard; the system's by default (tests inject one). */
  resolve?: Resolver;
}

/**
 * The main task queue's activities: bookkeeping, page capture, the HTTP scanners, the AI stage,
 * verifications, reports, the sweeper, scheduled runs. Nothing here imports Playwright, axe-core or Lighthouse at
 * load: the main worker stays small (test/integration/worker-roles.test.ts checks it). The two that
 * also run on the browser queue (evaluateVerification, writeReportArtifact) load the browser code
 * on first use there.
 */
export function createMainQueueActivities({ prisma, config, fetcher, metrics, resolve }: ActivityDeps, browserShare: BrowserShare) {
  const scanRunOptions: ScanRunOptions = {
    pageSpeedConfigured: Boolean(config.PAGESPEED_API_URL || config.PAGESPEED_API_KEY),
    browserTaskQueue: config.TEMPORAL_BROWSER_TASK_QUEUE,
    timeouts: (lighthouseRuns) => scanTimeouts(config, lighthouseRuns),
    metrics,
  };
  const scanRuns = createScanRunActivities(prisma, scanRunOptions);
  const analysis = createAnalysisActivities(prisma, config);
  const secret = resolveInstanceSecret(config);
  const closing = createScanClosingActivities(scanRuns, analysis);
  const httpScans = createHttpScans(prisma, fetcher, secret, scanRuns.recordScannerSlot);
  return {
    ...scanRuns,
    ...closing,
    ...createLightScanActivities({ open: (scanRunId) => openRun(prisma, scanRunOptions, scanRunId), ...httpScans, ...scanRuns, ...closing }),
    ...createPageCaptureActivities(prisma, fetcher, { config, secret, share: browserShare }),
    ...createSecurityScanner(prisma, fetcher, secret),
    ...createSeoScanner(prisma, fetcher, secret),
    ...httpScans,
    ...analysis,
    ...createVerificationActivities(prisma, config, fetcher, browserShare),
    ...createReportActivities({ prisma, config, fetcher }),
    ...createSweeperActivities(prisma, metrics),
    ...createIntegrationActivities({ prisma, config, secret, resolve }),
    ...createNotificationActivities(prisma, config, fetcher),
    ...createCrawlActivities(prisma, config, fetcher, secret),
    ...createScheduleActivities(prisma, config),
  };
}
