import type { Config } from '../platform/config.ts';
import type { Db } from '../platform/db.ts';
import { crawlSessionOwner, sealSession } from '../services/site-auth.ts';
import type { BrowserShare } from './browser-share.ts';
import { signInFor, siteAuthFor } from './site-auth.ts';

/**
 * A crawl's own sign-in (docs/crawls.md, "A site behind a login"): the project's login recipe run
 * in Chromium, the scan's login code (signInFor: the org's share of the browser queue, a failed
 * login non-retryable `SiteLoginFailed` with its reason). Registered on the browser queue only:
 * the main worker, where the crawl's other activities run, never loads Chromium.
 */
export function createCrawlLoginActivities(prisma: Db, config: Config, secret: string, share: BrowserShare) {
  return {
    /**
     * Signs in and seals the session's cookies (AES-256-GCM under the instance secret, purpose
     * `site_session:crawl:<id>`) on the crawl's row, replacing an earlier run's: the crawl's fetch
     * activities read them by the crawl's id. Answers a count, never a cookie: nothing of the
     * session enters the workflow's history. A crawl no longer running, or whose site-auth is no
     * longer a login recipe on its origin (changed since the run's plan), is not signed in.
     */
    async signInCrawl(crawlId: string): Promise<{ signedIn: boolean; cookies: number }> {
      const crawl = await prisma.crawl.findUniqueOrThrow({ where: { id: crawlId }, select: { status: true, org_id: true, project_id: true, url: true } });
      if (crawl.status !== 'running') return { signedIn: false, cookies: 0 };
      const siteAuth = await siteAuthFor(prisma, secret, { orgId: crawl.org_id, projectId: crawl.project_id }, crawl.url);
      if (siteAuth?.type !== 'login') {
        await prisma.crawl.updateMany({ where: { id: crawlId, site_session: { not: null } }, data: { site_session: null } });
        return { signedIn: false, cookies: 0 };
      }
      const cookies = await signInFor(config, share, crawl.org_id, siteAuth);
      // Guarded: a crawl closed meanwhile (its close cleared the session) gets none back.
      const { count } = await prisma.crawl.updateMany({
        where: { id: crawlId, status: 'running' },
        data: { site_session: sealSession(cookies, crawlSessionOwner(crawlId), secret) },
      });
      return { signedIn: count > 0, cookies: count > 0 ? cookies.length : 0 };
    },
  };
}
