import { ApplicationFailure, Context } from '@temporalio/activity';
import { SITE_LOGIN_FAILED } from '../domain/failures.ts';
import { buildPageArtifact, type PageArtifact } from '../checks/artifacts.ts';
import { originAuthOf, type OriginAuth } from '../domain/site-auth.ts';
import { fetchHtmlPage, PageUnavailable } from '../gather/html-page.ts';
import { withOriginAuth, type SafeFetcher } from '../gather/safe-fetch.ts';
import type { Config } from '../platform/config.ts';
import type { Db } from '../platform/db.ts';
import { sealSession } from '../services/site-auth.ts';
import type { BrowserShare } from './browser-share.ts';
import { heartbeating } from './heartbeat.ts';
import { crawlSessionOfRun, openCrawlSession, signInFor, siteAuthFor } from './site-auth.ts';

export interface PageCaptureDeps {
  config: Config;
  /** The instance secret: site-auth credentials and login sessions are encrypted under it. */
  secret: string;
  share: BrowserShare;
}

/**
 * Fetches the scanned page once (SSRF-safe) and stores it for the header and HTML scanners. With
 * a site-auth (docs/site-auth.md) the fetch carries its credentials to the page's origin; with a
 * login recipe it signs in first, in Chromium (the workflow sends this activity to the browser
 * queue then), and keeps the session's cookies, encrypted, with the snapshot for the run's other
 * scanners; a crawl's page uses its crawl's session instead, while the crawl holds one. The snapshot, and the session with it, is deleted when the run closes.
 */
export function createPageCaptureActivities(prisma: Db, fetcher: SafeFetcher, deps: PageCaptureDeps) {
  return {
    async capturePage(scanRunId: string): Promise<{ snapshotId: string }> {
      const run = await prisma.scanRun.findUniqueOrThrow({ where: { id: scanRunId }, select: { url: true, org_id: true, project_id: true } });
      const siteAuth = await siteAuthFor(prisma, deps.secret, { orgId: run.org_id, projectId: run.project_id }, run.url);
      let auth: OriginAuth | undefined;
      let session: string | null = null;
      const crawlSession = siteAuth?.type === 'login' ? await crawlSessionOfRun(prisma, scanRunId) : null;
      if (siteAuth?.type === 'login' && crawlSession) {
        // A crawl's page: its crawl's sign-in serves (no login of its own, no session kept with
        // the snapshot: the run's other scanners read the crawl's too, originAuthForRun).
        auth = originAuthOf(siteAuth, openCrawlSession(crawlSession, deps.secret));
      } else if (siteAuth?.type === 'login') {
        // Set after this run's plan sent the capture to the main queue, which never loads Chromium
        // (or a crawl's page whose crawl's session ended since: the crawl closed, its scans end too).
        if (Context.current().info.taskQueue !== deps.config.TEMPORAL_BROWSER_TASK_QUEUE) {
          throw ApplicationFailure.create({ type: SITE_LOGIN_FAILED, message: 'login failed: the login recipe was set after this scan started; scan again', nonRetryable: true });
        }
        const cookies = await signInFor(deps.config, deps.share, run.org_id, siteAuth);
        auth = originAuthOf(siteAuth, cookies);
        session = sealSession(cookies, scanRunId, deps.secret);
      } else if (siteAuth) {
        auth = originAuthOf(siteAuth);
      }
      const { page, html } = await heartbeating(() => asActivityFailure(fetchHtmlPage(withOriginAuth(fetcher, auth), run.url)));
      const snapshot = await prisma.pageSnapshot.create({
        data: {
          scan_run_id: scanRunId,
          requested_url: run.url,
          final_url: page.url,
          status: page.status,
          headers: page.headers,
          body: html,
          redirects: page.redirects,
          site_session: session,
        },
        select: { id: true },
      });
      return { snapshotId: snapshot.id };
    },
  };
}

/** A PageUnavailable becomes an ApplicationFailure of its type: permanent ones are not retried. */
export async function asActivityFailure<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (!(err instanceof PageUnavailable)) throw err;
    throw ApplicationFailure.create({ message: err.message, type: err.type, nonRetryable: err.permanent });
  }
}

export async function loadPageArtifact(prisma: Db, snapshotId: string): Promise<PageArtifact> {
  const s = await prisma.pageSnapshot.findUniqueOrThrow({ where: { id: snapshotId } });
  return buildPageArtifact({
    requestedUrl: s.requested_url,
    finalUrl: s.final_url,
    status: s.status,
    headers: s.headers as PageArtifact['headers'],
    html: s.body,
    redirects: s.redirects as PageArtifact['redirects'],
  });
}
