import { clearProvider, setProvider } from '../../src/ai/provider-settings.ts';
import { CRAWLER_USER_AGENT } from '../../src/gather/crawl-discovery.ts';
import { MAX_AFFECTED_ASSETS } from '../../src/domain/affected-assets.ts';
import { call, eventually } from '../support/http.ts';
import { CRAWL_DELAY_SECONDS, startCrawlSite, type CrawlSite } from '../support/crawl-site.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { createTenant, type Tenant } from '../support/tenants.ts';

let stack: Stack;
let site: CrawlSite;
let t: Tenant;

beforeAll(async () => {
  // No interval of our own: the fixture's Crawl-delay (50 ms) sets the pace. A low continue-as-new
  // threshold, so a crawl of this site spans several workflow runs.
  [stack, site] = await Promise.all([startStack({ CRAWL_REQUEST_INTERVAL_MS: '0', CRAWL_CONCURRENCY: '6', CRAWL_PAGES_PER_RUN: '60' }), startCrawlSite()]);
  t = await createTenant(stack.db.prisma, stack.baseUrl);
}, 60_000);
afterAll(async () => {
  await stack?.close();
  await site?.close();
});

const closed = (status: string) => ['completed', 'failed', 'cancelled'].includes(status);

async function crawlToEnd(body: Record<string, unknown>, timeoutMs = 240_000) {
  const started = await call('POST', `${t.audit}/crawls/run`, { key: t.writeKey, body });
  expect(started.status).toBe(202);
  expect(started.body.data.status).toBe('queued');
  const id: string = started.body.data.id;
  const done = await eventually(() => call('GET', `${t.audit}/crawls/${id}`, { key: t.readKey }), (res) => closed(res.body.data.status), timeoutMs);
  return done.body.data;
}

async function allPages(crawlId: string) {
  const pages: any[] = [];
  let cursor: string | null = null;
  do {
    const res = await call('GET', `${t.audit}/crawls/${crawlId}/pages?limit=100${cursor ? `&cursor=${cursor}` : ''}`, { key: t.readKey });
    expect(res.status).toBe(200);
    pages.push(...res.body.data);
    cursor = res.body.meta.next_cursor;
  } while (cursor);
  return pages;
}

it('crawls the whole site through the API: every allowed page scanned exactly once, nothing disallowed or off-site fetched', async () => {
  const hitsBefore = site.hits.length;
  const crawl = await crawlToEnd({ url: site.startUrl, max_pages: 1000, scanners: ['security', 'seo'] });
  expect(crawl.status).toBe('completed');
  const allowed = site.allowedPages.map((p) => `${site.origin}${p}`);

  // Every allowed page, and only those, was scanned; each scan is the page's one scan run.
  const pages = await allPages(crawl.id);
  expect(pages).toHaveLength(crawl.counts.discovered);
  expect(new Set(pages.map((p) => p.url)).size).toBe(pages.length);
  const scanned = pages.filter((p) => p.status === 'scanned');
  expect(scanned.map((p) => p.url).sort()).toEqual([...allowed].sort());
  expect(crawl.counts).toMatchObject({ scanned: allowed.length, failed: 0, queued: 0, scanning: 0 });
  const runs = await stack.db.prisma.scanRun.findMany({ where: { id: { in: scanned.map((p) => p.scan_id) } }, select: { id: true, url: true, status: true, analysis: true } });
  expect(runs).toHaveLength(allowed.length);
  expect(new Set(runs.map((r) => r.url)).size).toBe(allowed.length);
  expect(runs.every((r) => r.status === 'completed')).toBe(true);
  expect(await stack.db.prisma.scanRun.count({ where: { org_id: t.orgId } })).toBe(allowed.length);

  // The fixture's log: each page fetched once by the crawl and once by its scan; nothing disallowed, nothing off-site.
  const hits = site.hits.slice(hitsBefore);
  const pathOf = (url: string) => url.slice(site.origin.length);
  for (const url of allowed) {
    const path = pathOf(url);
    expect([path, hits.filter((h) => h.path === path && h.userAgent === CRAWLER_USER_AGENT).length]).toEqual([path, 1]);
    expect([path, hits.filter((h) => h.path === path && h.userAgent !== CRAWLER_USER_AGENT).length]).toEqual([path, 1]);
  }
  expect(hits.filter((h) => h.path.startsWith('/private'))).toEqual([]);
  expect(site.offSiteHits).toEqual([]);
  // Files named as such are never fetched; /download is fetched once (its type is only known then) and never scanned.
  expect(hits.filter((h) => /\.(pdf|png)$/.test(h.path))).toEqual([]);
  expect(hits.filter((h) => h.path === '/download').map((h) => h.userAgent)).toEqual([CRAWLER_USER_AGENT]);

  const skippedAs = (reason: string) => pages.filter((p) => p.skip_reason === reason).map((p) => pathOf(p.url));
  expect(skippedAs('robots').sort()).toEqual([...Array.from({ length: 10 }, (_, i) => `/private/${i}`), '/private/secret'].sort());
  expect(skippedAs('non_html').sort()).toEqual(['/download', '/files/doc-0.pdf', '/files/doc-1.pdf', '/files/doc-2.pdf', '/files/doc-3.pdf', '/files/doc-4.pdf', '/img/logo.png'].sort());
  expect(skippedAs('redirect')).toEqual(['/old']);
  expect(pages.filter((p) => p.skip_reason === 'off_site').map((p) => p.url)).toEqual(expect.arrayContaining(['http://offsite.invalid/', `${site.offSiteOrigin}/from-0`, `${site.offSiteOrigin}/sitemapped`]));
  expect(crawl.counts.skipped).toMatchObject({ robots: 11, non_html: 7, redirect: 1, limit: 0 });
  expect(crawl.counts.skipped.off_site).toBe(pages.filter((p) => p.skip_reason === 'off_site').length);

  // Crawl-delay obeyed: the crawl's page fetches start at least its delay apart (timers, a little slack).
  expect(crawl.crawl_delay_seconds).toBe(CRAWL_DELAY_SECONDS);
  const starts = hits.filter((h) => h.userAgent === CRAWLER_USER_AGENT && !h.path.includes('.xml') && h.path !== '/robots.txt').map((h) => h.at);
  const gaps = starts.slice(1).map((at, i) => at - starts[i]!).sort((a, b) => a - b);
  // The median: an activity's start may lag its timer a little, a burst would show at once.
  expect(gaps[Math.floor(gaps.length / 2)]).toBeGreaterThanOrEqual(CRAWL_DELAY_SECONDS * 1000 - 5);

  // Findings stay project findings: one per issue, its pages bounded.
  const findings = await stack.db.prisma.finding.findMany({ where: { org_id: t.orgId }, select: { title: true, affected_assets: true } });
  expect(new Set(findings.map((f) => f.title)).size).toBe(findings.length);
  const sizes = findings.map((f) => (f.affected_assets as unknown[]).length);
  expect(Math.max(...sizes)).toBe(MAX_AFFECTED_ASSETS);
  // Crawl scans skip the AI stage.
  expect(runs.every((r) => (r.analysis as { status: string }).status === 'skipped')).toBe(true);

  expect(crawl.summary.pages_scanned).toBe(allowed.length);
  expect(crawl.summary.health_score.average).toEqual(expect.any(Number));
  expect(crawl.summary.findings.total).toBe(findings.length);

  // One crawl.completed for the crawl, and no scan.completed per page (a crawl is not N alerts).
  const events = await stack.db.prisma.notificationEvent.findMany({ where: { org_id: t.orgId, type: { startsWith: 'crawl.' } } });
  expect(events.map((e) => [e.type, (e.data as { crawl_id: string }).crawl_id])).toEqual([['crawl.completed', crawl.id]]);
  const data = events[0]!.data as { average_health_score: number };
  expect(data).toMatchObject({ url: crawl.url, status: 'completed', pages_scanned: allowed.length, pages_failed: 0, failure_reason: null });
  // Whole points in the event, tenths in the summary.
  expect(Math.abs(data.average_health_score - crawl.summary.health_score.average)).toBeLessThanOrEqual(0.55);
  expect(await stack.db.prisma.notificationEvent.count({ where: { org_id: t.orgId, type: { startsWith: 'scan.' } } })).toBe(0);

  // The history stayed bounded: the crawl continued as new (60 pages a run).
  const history = await stack.temporal.client.workflow.getHandle(crawl.workflow_id).fetchHistory();
  expect(history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId).toBeTruthy();
}, 300_000);

it('honours max_pages and max_depth; its scans skip the AI stage even with a provider configured', async () => {
  // A provider whose endpoint answers nothing: a scan that ran its AI stage would record it failed.
  await setProvider(stack.db.prisma, stack.config, { provider: 'anthropic', apiKey: `sk-ant-api03-${'x'.repeat(40)}`, baseUrl: 'http://127.0.0.1:9/' });
  const crawl = await crawlToEnd({ url: site.startUrl, max_pages: 12, max_depth: 1, scanners: ['seo'] }).finally(() => clearProvider(stack.db.prisma, 'anthropic'));
  expect(crawl.status).toBe('completed');
  const pages = await allPages(crawl.id);
  const visited = pages.filter((p) => p.status === 'scanned' || p.status === 'failed');
  expect(visited.length).toBe(12);
  expect(crawl.counts.scanned + crawl.counts.failed).toBe(12);
  expect(visited.every((p) => p.depth <= 1)).toBe(true);
  expect(crawl.counts.skipped.limit).toBeGreaterThan(0);
  expect(pages.filter((p) => p.status === 'queued' || p.status === 'scanning')).toEqual([]);
  const runs = await stack.db.prisma.scanRun.findMany({ where: { id: { in: visited.map((p) => p.scan_id).filter(Boolean) } }, select: { analysis: true } });
  expect(runs).toHaveLength(crawl.counts.scanned);
  expect(runs.map((r) => r.analysis)).toEqual(runs.map(() => ({ status: 'skipped', reason: 'scans of a crawl skip the AI stage' })));
}, 120_000);

it('cancels a crawl: its scans stop and it closes cancelled', async () => {
  const started = await call('POST', `${t.audit}/crawls/run`, { key: t.writeKey, body: { url: site.startUrl, max_pages: 1000, scanners: ['seo'] } });
  const id: string = started.body.data.id;
  await eventually(() => call('GET', `${t.audit}/crawls/${id}`, { key: t.readKey }), (res) => res.body.data.counts.scanned >= 5, 60_000);
  const cancel = await call('POST', `${t.audit}/crawls/${id}/cancel`, { key: t.writeKey });
  expect(cancel.status).toBe(202);
  const done = await eventually(() => call('GET', `${t.audit}/crawls/${id}`, { key: t.readKey }), (res) => closed(res.body.data.status), 60_000);
  expect(done.body.data.status).toBe('cancelled');
  expect(done.body.data.counts.scanned).toBeLessThan(site.allowedPages.length);
  expect(done.body.data.counts).toMatchObject({ queued: 0, scanning: 0 });
  expect(done.body.data.counts.cancelled).toBeGreaterThan(0);
  const pages = await allPages(id);
  const scanIds = pages.map((p) => p.scan_id).filter(Boolean);
  expect(await stack.db.prisma.scanRun.count({ where: { id: { in: scanIds }, status: { in: ['queued', 'running'] } } })).toBe(0);
  // The row closes (the workflow's last activity) a moment before the workflow itself does.
  const handle = stack.temporal.client.workflow.getHandle(done.body.data.workflow_id);
  const description = await eventually(() => handle.describe(), (d) => d.status.name !== 'RUNNING', 15_000);
  expect(description.status.name).toBe('CANCELLED');

  // A cancel is a person's act: no crawl event for it.
  const crawlEvents = await stack.db.prisma.notificationEvent.findMany({ where: { org_id: t.orgId, type: { startsWith: 'crawl.' } } });
  expect(crawlEvents.filter((e) => (e.data as { crawl_id: string }).crawl_id === id)).toEqual([]);

  const again = await call('POST', `${t.audit}/crawls/${id}/cancel`, { key: t.writeKey });
  expect(again.status).toBe(409);
  expect(again.body.error.code).toBe('conflict');
}, 120_000);

it('refuses bad input in the error envelope, and hides other tenants\' crawls', async () => {
  const bad = await call('POST', `${t.audit}/crawls/run`, { key: t.writeKey, body: { url: site.startUrl, max_pages: 0, include: 'x' } });
  expect(bad.status).toBe(422);
  expect(Object.keys(bad.body.error.details).sort()).toEqual(['include', 'max_pages']);
  const tooMany = await call('POST', `${t.audit}/crawls/run`, { key: t.writeKey, body: { url: site.startUrl, max_pages: 10_001 } });
  expect(tooMany.status).toBe(422);
  const ssrf = await call('POST', `${t.audit}/crawls/run`, { key: t.writeKey, body: { url: 'http://169.254.169.254/latest' } });
  expect(ssrf.status).toBe(422);
  expect(ssrf.body.error.details.url).toBeDefined();
  const readOnly = await call('POST', `${t.audit}/crawls/run`, { key: t.readKey, body: { url: site.startUrl } });
  expect(readOnly.status).toBe(403);
  expect((await call('GET', `${t.audit}/crawls/not-a-uuid`, { key: t.readKey })).status).toBe(404);
  const other = await createTenant(stack.db.prisma, stack.baseUrl);
  const mine = await stack.db.prisma.crawl.findFirstOrThrow({ where: { org_id: t.orgId } });
  expect((await call('GET', `${other.audit}/crawls/${mine.id}`, { key: other.readKey })).status).toBe(404);
  expect((await call('GET', `${other.audit}/crawls/${mine.id}/pages`, { key: other.readKey })).status).toBe(404);

  // GET crawls: this project's crawls only, newest first, paged by cursor to the end.
  const expected = (await stack.db.prisma.crawl.findMany({ where: { org_id: t.orgId }, orderBy: [{ inserted_at: 'desc' }, { id: 'desc' }], select: { id: true } })).map((c) => c.id);
  expect(expected.length).toBeGreaterThan(1);
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: any = await call('GET', `${t.audit}/crawls?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { key: t.readKey });
    expect(page.status).toBe(200);
    expect(page.body.meta.total).toBe(expected.length);
    seen.push(...page.body.data.map((c: { id: string }) => c.id));
    cursor = page.body.meta.next_cursor;
  } while (cursor);
  expect(seen).toEqual(expected);
  const theirs = await call('GET', `${other.audit}/crawls`, { key: other.readKey });
  expect(theirs.body.data).toEqual([]);
  expect((await call('GET', `${t.audit}/crawls?cursor=nonsense`, { key: t.readKey })).status).toBe(422);
});
