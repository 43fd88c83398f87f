import { ApplicationFailure } from '@temporalio/activity';
import { originAuthOf, originOf, type OriginAuth, type SiteAuthConfig, type SiteCookie } from '../domain/site-auth.ts';
import { SITE_LOGIN_FAILED } from '../domain/failures.ts';
import type { Config } from '../platform/config.ts';
import type { Db } from '../platform/db.ts';
import { crawlSessionOwner, loadSiteAuth, openSession } from '../services/site-auth.ts';
import type { BrowserShare } from './browser-share.ts';

/**
 * The credentials of a project's site-auth inside the activities (docs/site-auth.md). Workflows
 * pass ids only: each activity reads the site-auth (and a login's session) by those ids here, so
 * no credential enters a workflow's input, result or history.
 */

/** A login that signs in is a turn in the browser queue; a run that did not finish may be tried once more. */
const LOGIN_RUNS = 2;

// Loaded on first use: the main worker never loads Playwright (a login runs on the browser queue).
const browserAudits = () => import('../gather/browser-audits.ts');

/** The site-auth that applies to a scan of `url`: the project's, when `url` is on its origin. */
export async function siteAuthFor(prisma: Db, secret: string, tenant: { orgId: string; projectId: string }, url: string): Promise<SiteAuthConfig | null> {
  const config = await loadSiteAuth(prisma, tenant, secret);
  return config && originOf(url) === config.origin ? config : null;
}

/**
 * Runs a login recipe in Chromium, within the org's share of the browser queue. A login that does
 * not sign in fails for good (SiteLoginFailed, not retried): the same recipe would fail again.
 */
export async function signInFor(
  config: Config,
  share: BrowserShare,
  orgId: string,
  auth: Extract<SiteAuthConfig, { type: 'login' }>,
): Promise<SiteCookie[]> {
  const { signInToSite } = await browserAudits();
  const { SiteLoginFailed } = await import('../gather/site-login.ts');
  try {
    return await share.run(orgId, LOGIN_RUNS, (signal) => signInToSite(config, auth.login, auth.origin, signal));
  } catch (err) {
    if (err instanceof SiteLoginFailed) throw ApplicationFailure.create({ type: SITE_LOGIN_FAILED, message: err.message, nonRetryable: true });
    throw err;
  }
}

/**
 * The session of the crawl a scan run is a page of (crawl_pages.scan_run_id), when the crawl holds
 * one (crawls.site_session: its own sign-in of this workflow run, cleared when it closes), still
 * sealed. Null for a lone scan, or a crawl without a session: the scan signs in itself then.
 */
export async function crawlSessionOfRun(prisma: Db, scanRunId: string): Promise<{ crawlId: string; sealed: string } | null> {
  const page = await prisma.crawlPage.findUnique({ where: { scan_run_id: scanRunId }, select: { crawl: { select: { id: true, site_session: true } } } });
  return page?.crawl.site_session ? { crawlId: page.crawl.id, sealed: page.crawl.site_session } : null;
}

/** A crawl's sealed session opened: its cookies, for the login recipe's origin only (originAuthOf). */
export function openCrawlSession(session: { crawlId: string; sealed: string }, secret: string): SiteCookie[] {
  return openSession(session.sealed, crawlSessionOwner(session.crawlId), secret);
}

/**
 * The credentials for a scan run's scanners: the headers or cookies form's, or with a login
 * recipe the cookies its capture's login left (stored encrypted with the page snapshot), else
 * those of its crawl's sign-in (a crawl's page scan does not sign in itself while its crawl holds
 * a session: docs/crawls.md, "A site behind a login"). Undefined when none apply.
 */
export async function originAuthForRun(
  prisma: Db,
  secret: string,
  scanRunId: string,
  /** The run's tenant and URL when the caller has read them already (one query fewer). */
  known?: { orgId: string; projectId: string; url: string },
): Promise<OriginAuth | undefined> {
  let run = known;
  if (!run) {
    const row = await prisma.scanRun.findUniqueOrThrow({ where: { id: scanRunId }, select: { org_id: true, project_id: true, url: true } });
    run = { orgId: row.org_id, projectId: row.project_id, url: row.url };
  }
  const config = await siteAuthFor(prisma, secret, { orgId: run.orgId, projectId: run.projectId }, run.url);
  if (!config) return undefined;
  if (config.type !== 'login') return originAuthOf(config);
  const snapshot = await prisma.pageSnapshot.findFirst({
    where: { scan_run_id: scanRunId, site_session: { not: null } },
    orderBy: { fetched_at: 'desc' },
    select: { site_session: true },
  });
  if (snapshot?.site_session) return originAuthOf(config, openSession(snapshot.site_session, scanRunId, secret));
  const crawlSession = await crawlSessionOfRun(prisma, scanRunId);
  return crawlSession ? originAuthOf(config, openCrawlSession(crawlSession, secret)) : undefined;
}
