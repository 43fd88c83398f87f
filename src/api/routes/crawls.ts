import { Router } from 'express';
import { normaliseUrl } from '../../domain/crawl-urls.ts';
import { checkTargetUrl } from '../../gather/ssrf/url-guard.ts';
import { cancelCrawl, crawlFacts, findCrawl, kickoffCrawl } from '../../services/crawls.ts';
import type { ApiDeps } from '../deps.ts';
import { sendData } from '../envelope.ts';
import { invalidParams, notFound } from '../errors.ts';
import { requireScope } from '../middleware/auth.ts';
import { strictRateLimit } from '../middleware/rate-limit.ts';
import { afterCursor, orderNewestFirst, toPage } from '../pagination.ts';
import { crawlListQuery, crawlPageListQuery, runCrawlBody } from '../schemas/crawls.ts';
import { serializeCrawl, serializeCrawlPage } from '../serializers/crawl.ts';
import { parseBody, parseQuery, uuidParam } from '../validation.ts';

/** Whole-site audits (docs/crawls.md). */
export function crawlsRouter(deps: ApiDeps): Router {
  const { config, db, temporal } = deps;
  const { prisma } = db;
  const router = Router({ mergeParams: true });
  // The bucket POST scans/run spends: a crawl is many scans.
  const strictBucket = strictRateLimit(db.pool, config);

  const crawlOf = async (tenant: { orgId: string; projectId: string }, raw: unknown) => {
    const id = uuidParam.safeParse(raw);
    if (!id.success) throw notFound();
    const crawl = await findCrawl(prisma, tenant, id.data);
    if (!crawl) throw notFound();
    return crawl;
  };

  router.post('/crawls/run', requireScope('audit:write'), strictBucket, async (req, res) => {
    const body = parseBody(req, runCrawlBody);
    // The start URL is judged like a scan's; every URL found is judged again by the fetcher.
    const target = checkTargetUrl(body.url, config.allowlist);
    if (!target.ok) throw invalidParams({ url: [target.reason] });
    const url = normaliseUrl(target.url.href);
    if (!url) throw invalidParams({ url: ['must be an http(s) URL'] });
    const { orgId, projectId } = res.locals.tenant;
    const crawl = await kickoffCrawl(prisma, temporal, config, {
      orgId,
      projectId,
      url,
      trigger: body.trigger,
      maxPages: body.max_pages,
      maxDepth: body.max_depth,
      include: body.include ?? [],
      exclude: body.exclude ?? [],
      scanners: body.scanners,
    });
    sendData(res, 202, serializeCrawl(crawl, await crawlFacts(prisma, crawl.id)));
  });

  // Newest first, keyset cursor as GET scans; each crawl with its counts and summary (a page is at
  // most the list limit, so the facts' queries stay bounded).
  router.get('/crawls', requireScope('audit:read'), async (req, res) => {
    const { cursor, limit } = parseQuery(req, crawlListQuery);
    const { orgId, projectId } = res.locals.tenant;
    const scope = { org_id: orgId, project_id: projectId };
    const [rows, total] = await Promise.all([
      prisma.crawl.findMany({ where: { ...scope, ...afterCursor(cursor, 'inserted_at') }, orderBy: orderNewestFirst('inserted_at'), take: limit + 1 }),
      prisma.crawl.count({ where: scope }),
    ]);
    const page = toPage(rows, limit, (row) => row.inserted_at);
    const items = await Promise.all(page.items.map(async (crawl) => serializeCrawl(crawl, await crawlFacts(prisma, crawl.id))));
    sendData(res, 200, items, { total, next_cursor: page.nextCursor });
  });

  router.get('/crawls/:crawl_id', requireScope('audit:read'), async (req, res) => {
    const crawl = await crawlOf(res.locals.tenant, req.params.crawl_id);
    sendData(res, 200, serializeCrawl(crawl, await crawlFacts(prisma, crawl.id)));
  });

  router.get('/crawls/:crawl_id/pages', requireScope('audit:read'), async (req, res) => {
    const crawl = await crawlOf(res.locals.tenant, req.params.crawl_id);
    const { cursor, limit } = parseQuery(req, crawlPageListQuery);
    const [rows, total] = await Promise.all([
      prisma.crawlPage.findMany({ where: { crawl_id: crawl.id, ...afterCursor(cursor, 'inserted_at') }, orderBy: orderNewestFirst('inserted_at'), take: limit + 1 }),
      prisma.crawlPage.count({ where: { crawl_id: crawl.id } }),
    ]);
    const page = toPage(rows, limit, (row) => row.inserted_at);
    sendData(res, 200, page.items.map(serializeCrawlPage), { total, next_cursor: page.nextCursor });
  });

  router.post('/crawls/:crawl_id/cancel', requireScope('audit:write'), async (req, res) => {
    const crawl = await crawlOf(res.locals.tenant, req.params.crawl_id);
    const after = await cancelCrawl(prisma, temporal, crawl);
    sendData(res, 202, serializeCrawl(after, await crawlFacts(prisma, after.id)));
  });

  return router;
}
