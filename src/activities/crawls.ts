import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure } from '@temporalio/activity';
import { type CrawlScope, type CrawlSkip, normaliseUrl, skipReason } from '../domain/crawl-urls.ts';
import { SCANNERS } from '../domain/scanners.ts';
import type { Crawl, CrawlPage, Prisma } from '../generated/prisma/client.ts';
import { CRAWLER_USER_AGENT, extractLinks, MAX_ROBOTS_BYTES, MAX_SITEMAP_FILES, MAX_SITEMAP_URLS, parseSitemap, robotsRules, type RobotsRules } from '../gather/crawl-discovery.ts';
import { decodeBody, HTML_TYPES } from '../gather/html-page.ts';
import { type FetchedPage, SafeFetchError, type SafeFetcher } from '../gather/safe-fetch.ts';
import type { Config } from '../platform/config.ts';
import type { Db } from '../platform/db.ts';
import { crawlSignInTimeoutMs } from '../domain/activity-timeouts.ts';
import { originAuthOf, type OriginAuth } from '../domain/site-auth.ts';
import { scanWorkflowId } from '../services/scan-kickoff.ts';
import { crawlSessionOwner, needsSiteLogin, openSession } from '../services/site-auth.ts';
import { siteAuthFor } from './site-auth.ts';
import { recordCrawlEnd } from '../services/notification-outbox.ts';
import { heartbeating } from './heartbeat.ts';

type Tx = Prisma.TransactionClient;

/** What SiteCrawlWorkflow needs to run: the politeness settings (from the configuration, read here: the workflow reads none). */
export interface CrawlPlan {
  /** The crawl is over (completed, failed or cancelled): nothing to do. */
  closed: boolean;
  maxPages: number;
  /** Pages visited so far (scanning, scanned or failed): max_pages bounds these. */
  visited: number;
  /** Pages in flight at once, fetch and scan (CRAWL_CONCURRENCY). */
  concurrency: number;
  /** The least time between two page fetches: CRAWL_REQUEST_INTERVAL_MS, or robots.txt's Crawl-delay when longer. */
  intervalMs: number;
  /** Pages one workflow run visits before it continues as new (CRAWL_PAGES_PER_RUN). */
  pagesPerRun: number;
  /** Pages whose scan was started by an earlier run and has not been settled (after a failure between the two). */
  scanning: string[];
  url: string;
  /**
   * The project's site-auth is a login recipe on the crawl's origin: the run signs in first
   * (signInCrawl, on the browser queue: `taskQueue`, within `timeoutMs`). `seeded: false` when
   * this openCrawl left the seeding (robots.txt, sitemaps) until after the sign-in. A flag and
   * settings only, no credential. Absent without a login recipe, and in older plans.
   */
  siteLogin?: { taskQueue: string; timeoutMs: number; seeded: boolean };
}

/** openCrawl's options (absent in the calls of runs started before the crawl's own sign-in). */
export interface OpenCrawlOptions {
  /** With a login recipe, leave an unseeded crawl's seeding to the openCrawl after the sign-in. */
  signInFirst?: boolean;
}

/** One page's visit: `scan` when its ScanWorkflow is to run (the scan run is written), else nothing more to do. */
export interface PageVisit {
  next: 'scan' | 'none';
  /** Whether the page counts against max_pages (visited: scanned or failed). */
  counted: boolean;
}

/** Recorded URLs per crawl, skipped ones included: ten per page allowed, and a thousand besides (docs/crawls.md). */
export function maxRecordedUrls(maxPages: number): number {
  return maxPages * 10 + 1_000;
}

/** Redirects to another form of the page's own URL followed by its visit. */
const MAX_SELF_REDIRECTS = 3;
/** Characters of a page's error that are kept. */
const MAX_PAGE_ERROR = 500;

type CrawlConfig = Pick<Config, 'CRAWL_CONCURRENCY' | 'CRAWL_REQUEST_INTERVAL_MS' | 'CRAWL_PAGES_PER_RUN' | 'TEMPORAL_BROWSER_TASK_QUEUE' | 'SCAN_FETCH_TIMEOUT_MS'>;

/**
 * The crawl's bookkeeping and fetches. Every write is guarded by the state it expects and every
 * page row is unique per (crawl, normalised URL), so a retried activity, or a worker killed
 * between a write and its report, never records or scans a page twice (docs/crawls.md).
 */
export function createCrawlActivities(prisma: Db, config: CrawlConfig, fetcher: SafeFetcher, secret: string) {
  // robots.txt parsed once per crawl per worker, not once per page (a few crawls run at once).
  const robotsCache = new Map<string, RobotsRules>();
  const rulesOf = (crawl: Pick<Crawl, 'id' | 'url' | 'robots_txt'>): RobotsRules => {
    let rules = robotsCache.get(crawl.id);
    if (!rules) {
      rules = robotsRules(new URL('/robots.txt', crawl.url).href, crawl.robots_txt);
      if (robotsCache.size >= 32) robotsCache.delete(robotsCache.keys().next().value!);
      robotsCache.set(crawl.id, rules);
    }
    return rules;
  };
  const scopeOf = (crawl: Crawl): CrawlScope => {
    const rules = rulesOf(crawl);
    return { siteOrigin: new URL(crawl.url).origin, maxDepth: crawl.max_depth, include: crawl.include, exclude: crawl.exclude, robotsAllows: rules.isAllowed };
  };
  const get = (url: string, auth?: OriginAuth) => fetcher.fetchPage(url, { followRedirects: false, headers: { 'user-agent': CRAWLER_USER_AGENT }, auth });
  /**
   * The project's site-auth for the crawl's own fetches (robots.txt, sitemaps, each page's visit),
   * read here by the crawl's ids, never through the workflow: so a protected area is discovered as
   * its page scans will see it. The headers and cookies forms as they are; a login recipe's, the
   * cookies of the crawl's own sign-in (signInCrawl, on the browser queue: this queue never loads
   * Chromium), sealed on the crawl's row. Read only while the site-auth is still a login recipe on
   * the crawl's origin: a removed or changed one stops them. The fetcher adds the credentials to
   * hops on the site-auth's origin only.
   */
  const authOf = async (crawl: Pick<Crawl, 'id' | 'org_id' | 'project_id' | 'url' | 'site_session'>): Promise<OriginAuth | undefined> => {
    const config = await siteAuthFor(prisma, secret, { orgId: crawl.org_id, projectId: crawl.project_id }, crawl.url);
    if (!config) return undefined;
    if (config.type !== 'login') return originAuthOf(config);
    // No session (the recipe was set after this run's sign-in): without credentials, as before it.
    return crawl.site_session ? originAuthOf(config, openSession(crawl.site_session, crawlSessionOwner(crawl.id), secret)) : undefined;
  };

  /** Records found URLs (each once: the unique index), judged by the crawl's scope, up to the crawl's cap. */
  async function recordUrls(tx: Tx, crawl: Crawl, urls: Iterable<{ url: string; depth: number; skip?: CrawlSkip | null }>): Promise<void> {
    const scope = scopeOf(crawl);
    const recorded = await tx.crawlPage.count({ where: { crawl_id: crawl.id } });
    const room = maxRecordedUrls(crawl.max_pages) - recorded;
    if (room <= 0) return;
    const rows: Prisma.CrawlPageCreateManyInput[] = [];
    const seen = new Set<string>();
    for (const { url, depth, skip } of urls) {
      if (seen.has(url)) continue;
      seen.add(url);
      const reason = skip === undefined ? skipReason(url, depth, scope) : skip;
      rows.push({ crawl_id: crawl.id, url, depth, ...(reason ? { status: 'skipped', skip_reason: reason } : {}) });
      if (rows.length >= room) break;
    }
    if (rows.length) await tx.crawlPage.createMany({ data: rows, skipDuplicates: true });
  }

  const visitedCount = (tx: Tx | Db, crawlId: string) => tx.crawlPage.count({ where: { crawl_id: crawlId, status: { in: ['scanning', 'scanned', 'failed'] } } });

  /** robots.txt and every sitemap it names (or /sitemap.xml), sitemap indexes followed; same-site files only. */
  async function discoverSeeds(origin: string, auth: OriginAuth | undefined): Promise<{ robotsTxt: string | null; sitemapUrls: string[] }> {
    let robotsTxt: string | null = null;
    try {
      const robots = await get(`${origin}/robots.txt`, auth);
      if (robots.status >= 200 && robots.status < 300) robotsTxt = decodeBody(robots.body.subarray(0, MAX_ROBOTS_BYTES), String(robots.headers['content-type'] ?? ''));
    } catch {
      // No robots.txt that can be read: everything is allowed, as for a 404.
    }
    const rules = robotsRules(`${origin}/robots.txt`, robotsTxt);
    const named = rules.sitemaps.map((s) => normaliseUrl(s)).filter((s): s is string => s !== null && URL.parse(s)?.origin === origin);
    const queue = named.length ? named : [`${origin}/sitemap.xml`];
    const seenFiles = new Set<string>();
    const pages: string[] = [];
    while (queue.length && seenFiles.size < MAX_SITEMAP_FILES && pages.length < MAX_SITEMAP_URLS) {
      const file = queue.shift()!;
      if (seenFiles.has(file)) continue;
      seenFiles.add(file);
      let answer: FetchedPage;
      try {
        answer = await get(file, auth);
      } catch {
        continue;
      }
      if (answer.status < 200 || answer.status >= 300) continue;
      const sitemap = parseSitemap(answer.body, MAX_SITEMAP_URLS - pages.length);
      for (const loc of sitemap.locs) {
        const url = normaliseUrl(loc);
        if (!url) continue;
        if (sitemap.kind === 'index') {
          if (URL.parse(url)?.origin === origin) queue.push(url);
        } else {
          pages.push(url);
        }
      }
    }
    return { robotsTxt, sitemapUrls: pages };
  }

  return {
    /**
     * Starts the crawl (queued → running) and, the first time, seeds it: robots.txt read and kept,
     * the start page (depth 0) and the sitemaps' pages (depth 1) recorded. Seeding writes in one
     * transaction once no page exists, so a retry or the next run (continue-as-new) seeds nothing twice.
     * With a login recipe on the crawl's origin and `signInFirst`, an unseeded crawl is not seeded
     * yet: the workflow signs in, then opens it again, so robots.txt and the sitemaps are read
     * signed in too.
     */
    async openCrawl(crawlId: string, options: OpenCrawlOptions = {}): Promise<CrawlPlan> {
      await prisma.crawl.updateMany({ where: { id: crawlId, status: 'queued' }, data: { status: 'running', started_at: new Date() } });
      let crawl = await prisma.crawl.findUniqueOrThrow({ where: { id: crawlId } });
      const closedPlan = { closed: true, maxPages: crawl.max_pages, visited: 0, concurrency: 1, intervalMs: 0, pagesPerRun: 1, scanning: [], url: crawl.url };
      if (crawl.status !== 'running') return closedPlan;
      let seeded = (await prisma.crawlPage.count({ where: { crawl_id: crawlId } })) > 0;
      // Read from the site-auth's plain columns: a flag, no credential.
      const siteLogin = await needsSiteLogin(prisma, { orgId: crawl.org_id, projectId: crawl.project_id }, crawl.url);
      if (!seeded && !(siteLogin && options.signInFirst)) {
        const origin = new URL(crawl.url).origin;
        const auth = await authOf(crawl);
        const seeds = await heartbeating(() => discoverSeeds(origin, auth));
        const delay = robotsRules(`${origin}/robots.txt`, seeds.robotsTxt).crawlDelay;
        await prisma.$transaction(async (tx) => {
          const [locked] = await tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM crawls WHERE id = ${crawlId}::uuid FOR UPDATE`;
          if (!locked || (await tx.crawlPage.count({ where: { crawl_id: crawlId } })) > 0) return;
          crawl = await tx.crawl.update({ where: { id: crawlId }, data: { robots_txt: seeds.robotsTxt, crawl_delay: delay ?? null } });
          robotsCache.delete(crawlId);
          const scope = scopeOf(crawl);
          // The start page is crawled whatever include/exclude say (they filter what it leads to); robots.txt still rules.
          await recordUrls(tx, crawl, [{ url: crawl.url, depth: 0, skip: scope.robotsAllows(crawl.url) ? null : 'robots' }]);
          await recordUrls(tx, crawl, seeds.sitemapUrls.map((url) => ({ url, depth: 1 })));
        });
        crawl = await prisma.crawl.findUniqueOrThrow({ where: { id: crawlId } });
        seeded = true;
      }
      const scanning = await prisma.crawlPage.findMany({ where: { crawl_id: crawlId, status: 'scanning' }, select: { id: true } });
      return {
        closed: false,
        maxPages: crawl.max_pages,
        visited: await visitedCount(prisma, crawlId),
        concurrency: config.CRAWL_CONCURRENCY,
        intervalMs: Math.max(config.CRAWL_REQUEST_INTERVAL_MS, Math.round((crawl.crawl_delay ?? 0) * 1000)),
        pagesPerRun: config.CRAWL_PAGES_PER_RUN,
        scanning: scanning.map((p) => p.id),
        url: crawl.url,
        ...(siteLogin ? { siteLogin: { taskQueue: config.TEMPORAL_BROWSER_TASK_QUEUE, timeoutMs: crawlSignInTimeoutMs(config.SCAN_FETCH_TIMEOUT_MS), seeded } } : {}),
      };
    },

    /** The next queued pages, breadth first (depth, then the order found), leaving out those in flight. Reads only. */
    async nextCrawlPages(crawlId: string, inFlight: string[], count: number): Promise<string[]> {
      const rows = await prisma.crawlPage.findMany({
        where: { crawl_id: crawlId, status: 'queued', ...(inFlight.length ? { id: { notIn: inFlight } } : {}) },
        orderBy: [{ depth: 'asc' }, { inserted_at: 'asc' }, { id: 'asc' }],
        take: count,
        select: { id: true },
      });
      return rows.map((r) => r.id);
    },

    /**
     * Fetches a queued page (no redirect followed: a redirect's target is recorded as a URL of its
     * own, judged like any link), records the links it holds and, for an HTML page within
     * max_pages, writes its scan run (id = the page's id) and marks it `scanning`, in one
     * transaction. A page no longer queued is not fetched again: the visit answers what was recorded.
     */
    async visitCrawlPage(crawlId: string, pageId: string, notBefore = 0): Promise<PageVisit> {
      const page = await prisma.crawlPage.findUniqueOrThrow({ where: { id: pageId } });
      if (page.status !== 'queued') return recordedVisit(page);
      const crawl = await prisma.crawl.findUniqueOrThrow({ where: { id: crawlId } });
      if (crawl.status !== 'running') return { next: 'none', counted: false };
      // The politeness slot the workflow gave this fetch (epoch ms); a retry finds it passed.
      const wait = notBefore - Date.now();
      if (wait > 0) await heartbeating((signal) => sleep(wait, undefined, { signal }));

      // Redirects are not followed blindly (the target may be off-site or disallowed): one to
      // another form of this very URL (`/docs` → `/docs/`) is, up to MAX_SELF_REDIRECTS; any
      // other records its target as a URL of its own, judged like a link.
      const auth = await authOf(crawl);
      let fetchedUrl = page.url;
      let answer: FetchedPage | undefined;
      for (let hop = 0; hop <= MAX_SELF_REDIRECTS; hop++) {
        try {
          answer = await heartbeating(() => get(fetchedUrl, auth));
        } catch (err) {
          if (err instanceof SafeFetchError && err.permanent) return settleVisit(pageId, { status: 'failed', error: `the page could not be fetched: ${err.message}` });
          throw ApplicationFailure.create({ message: `the page could not be fetched: ${(err as Error).message}`, type: 'TargetUnavailable' });
        }
        const location = answer.headers.location;
        if (answer.status < 300 || answer.status >= 400 || location === undefined) break;
        const raw = URL.parse(Array.isArray(location) ? location[0]! : location, fetchedUrl)?.href;
        const target = raw ? normaliseUrl(raw) : null;
        if (raw && target === page.url && hop < MAX_SELF_REDIRECTS) {
          fetchedUrl = raw;
          continue;
        }
        return prisma.$transaction(async (tx) => {
          // A redirect is no hop: its target keeps the page's depth.
          if (target && target !== page.url) await recordUrls(tx, crawl, [{ url: target, depth: page.depth }]);
          return settleVisit(pageId, target === page.url ? { status: 'failed', error: 'the page redirects to itself' } : { status: 'skipped', skip_reason: 'redirect' }, tx);
        });
      }
      if (!answer) throw new Error('unreachable: no answer');
      if (answer.status >= 500) throw ApplicationFailure.create({ message: `the page answered HTTP ${answer.status}`, type: 'TargetServerError' });
      if (answer.status >= 400) return settleVisit(pageId, { status: 'failed', error: `the page answered HTTP ${answer.status}` });
      const contentType = String(answer.headers['content-type'] ?? '');
      if (!HTML_TYPES.test(contentType)) return settleVisit(pageId, { status: 'skipped', skip_reason: 'non_html' });

      const links = extractLinks(decodeBody(answer.body, contentType), fetchedUrl);
      return prisma.$transaction(async (tx) => {
        // The crawl's row lock serialises admissions: max_pages holds with pages visited side by side.
        await tx.$queryRaw`SELECT id FROM crawls WHERE id = ${crawlId}::uuid FOR UPDATE`;
        const visited = await visitedCount(tx, crawlId);
        // A page past the limit is not visited: neither scanned nor followed.
        if (visited >= crawl.max_pages) return settleVisit(pageId, { status: 'skipped', skip_reason: 'limit' }, tx);
        await recordUrls(tx, crawl, links.map((url) => ({ url, depth: page.depth + 1 })));
        const { count } = await tx.crawlPage.updateMany({ where: { id: pageId, status: 'queued' }, data: { status: 'scanning', scan_run_id: pageId } });
        if (!count) return recordedVisit(await tx.crawlPage.findUniqueOrThrow({ where: { id: pageId } }));
        const now = new Date();
        await tx.scanRun.create({
          data: {
            id: pageId,
            org_id: crawl.org_id,
            project_id: crawl.project_id,
            url: page.url,
            trigger: crawl.trigger,
            scanners: crawl.scanners,
            status: 'queued',
            scanner_status: Object.fromEntries((crawl.scanners.length ? crawl.scanners : SCANNERS).map((name) => [name, { status: 'pending' }])),
            analysis: { status: 'pending' },
            workflow_id: scanWorkflowId(pageId),
            started_at: now,
            inserted_at: now,
          },
        });
        return { next: 'scan', counted: true } satisfies PageVisit;
      });
    },

    /** A visit that exhausted its retries: the page failed (it counts as visited). */
    async failCrawlPage(pageId: string, reason: string): Promise<void> {
      await prisma.crawlPage.updateMany({ where: { id: pageId, status: 'queued' }, data: { status: 'failed', error: reason.slice(0, MAX_PAGE_ERROR) } });
    },

    /**
     * Copies a page's scan result (the scan run's row is the truth) onto the page: scanned with
     * its health score, or failed with the reason. `settled: false` while the scan still runs.
     */
    async settleCrawlPage(pageId: string): Promise<{ settled: boolean }> {
      const page = await prisma.crawlPage.findUniqueOrThrow({ where: { id: pageId }, select: { status: true } });
      if (page.status !== 'scanning') return { settled: true };
      const run = await prisma.scanRun.findUnique({ where: { id: pageId }, select: { status: true, summary: true, failure_reason: true } });
      if (!run || run.status === 'queued' || run.status === 'running') return { settled: false };
      const score = (run.summary as { health_score?: unknown } | null)?.health_score;
      await prisma.crawlPage.updateMany({
        where: { id: pageId, status: 'scanning' },
        data:
          run.status === 'completed'
            ? { status: 'scanned', health_score: typeof score === 'number' ? Math.round(score) : null }
            : { status: 'failed', error: (run.failure_reason ?? 'the scan failed').slice(0, MAX_PAGE_ERROR) },
      });
      return { settled: true };
    },

    /**
     * Closes the crawl (`completed`, `failed` or `cancelled`) and what it holds: pages still queued
     * are skipped for the limit (completed: only max_pages stops a crawl with pages left) or
     * cancelled; a page whose scan never started is cancelled and its queued scan run failed.
     * Guarded: a closed crawl is not closed again.
     */
    async finishCrawl(crawlId: string, status: 'completed' | 'failed' | 'cancelled', reason?: string): Promise<void> {
      await prisma.$transaction(async (tx) => {
        await tx.crawlPage.updateMany({
          where: { crawl_id: crawlId, status: 'queued' },
          data: status === 'completed' ? { status: 'skipped', skip_reason: 'limit' } : { status: 'cancelled' },
        });
        const open = await tx.crawlPage.findMany({ where: { crawl_id: crawlId, status: 'scanning' }, select: { id: true } });
        if (open.length) {
          const ids = open.map((p) => p.id);
          await tx.scanRun.updateMany({
            where: { id: { in: ids }, status: 'queued' },
            data: { status: 'failed', failure_reason: `the crawl was ${status === 'completed' ? 'closed' : status} before this scan started`, finished_at: new Date() },
          });
          await tx.crawlPage.updateMany({ where: { id: { in: ids }, status: 'scanning' }, data: { status: 'cancelled' } });
        }
        // The crawl's own session goes with it, however it closes (a retried close clears nothing more).
        await tx.crawl.updateMany({ where: { id: crawlId, site_session: { not: null } }, data: { site_session: null } });
        const failureReason = reason ? reason.slice(0, 1_000) : null;
        const closed = await tx.crawl.updateMany({
          where: { id: crawlId, status: { in: ['queued', 'running'] } },
          data: { status, finished_at: new Date(), failure_reason: failureReason },
        });
        // Once, by the attempt that closed it (a retried close finds it closed and writes nothing).
        if (closed.count && status !== 'cancelled') await recordCrawlEnd(tx, crawlId, status, failureReason);
      });
      robotsCache.delete(crawlId);
    },
  };

  async function settleVisit(pageId: string, data: Prisma.CrawlPageUpdateManyMutationInput & { status: CrawlPage['status'] }, tx: Tx | Db = prisma): Promise<PageVisit> {
    const { count } = await tx.crawlPage.updateMany({ where: { id: pageId, status: 'queued' }, data: { ...data, ...(data.error ? { error: String(data.error).slice(0, MAX_PAGE_ERROR) } : {}) } });
    if (!count) return recordedVisit(await tx.crawlPage.findUniqueOrThrow({ where: { id: pageId } }));
    return { next: 'none', counted: data.status === 'failed' };
  }
}

/** What an earlier attempt recorded for the page, as a visit. */
function recordedVisit(page: Pick<CrawlPage, 'status'>): PageVisit {
  if (page.status === 'scanning') return { next: 'scan', counted: true };
  return { next: 'none', counted: page.status === 'scanned' || page.status === 'failed' };
}
