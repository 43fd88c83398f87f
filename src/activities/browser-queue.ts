import { resolveInstanceSecret } from '../platform/crypto.ts';
import { createBrowserActivities } from './browser.ts';
import { createCrawlLoginActivities } from './crawl-login.ts';
import { createPageCaptureActivities } from './page-capture.ts';
import type { BrowserShare } from './browser-share.ts';
import type { ActivityDeps } from './main-queue.ts';
import { createReportActivities } from './reports/index.ts';
import { createVerificationActivities } from './verifications.ts';

/**
 * The browser task queue's activities, exactly those the workflows send there: the two Chromium
 * scanners and, for a site-auth login recipe, the page capture that signs in first (ScanWorkflow) and a
 * crawl's own sign-in (SiteCrawlWorkflow), the evaluation of a verification with accessibility or performance keys
 * (VerificationWorkflow) and the PDF build (ReportExportWorkflow). This module loads Playwright and
 * axe-core: only a worker with the browser role imports it.
 */
export function createBrowserQueueActivities({ prisma, config, fetcher }: ActivityDeps, browserShare: BrowserShare) {
  const { evaluateVerification } = createVerificationActivities(prisma, config, fetcher, browserShare);
  const { writeReportArtifact, writeReportArtefact } = createReportActivities({ prisma, config, fetcher });
  // A scan whose site-auth is a login recipe captures its page here: the login runs in Chromium.
  const secret = resolveInstanceSecret(config);
  const { capturePage } = createPageCaptureActivities(prisma, fetcher, { config, secret, share: browserShare });
  return {
    ...createBrowserActivities(prisma, config, browserShare),
    capturePage,
    // A crawl whose site-auth is a login recipe signs in here, once per workflow run (SiteCrawlWorkflow).
    ...createCrawlLoginActivities(prisma, config, secret, browserShare),
    evaluateVerification,
    writeReportArtifact,
    writeReportArtefact,
  };
}
