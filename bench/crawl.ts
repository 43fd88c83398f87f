/**
 * A light crawl (security and SEO, no Lighthouse or axe) of the crawl fixture site through the API,
 * against a bare loop doing the same checks on the same pages (fetch, probes, checks; no Temporal,
 * no database) with the same concurrency. Prints pages per minute of both and their ratio, the
 * crawl's history size per workflow run (it continues as new) and of one page scan, the worker's
 * memory over the crawl, and duplicate scans (goal 0).
 *
 *   source scripts/lib.sh && ensure_node && ensure_temporal
 *   node_modules/.bin/tsx bench/crawl.ts            # BENCH_CRAWL_PAGES=1000 (default), BENCH_CRAWL_CONCURRENCY=4
 *
 * Database: sitewarden_bench_crawl (dropped and recreated).
 */
import type { Client } from '@temporalio/client';
import { createKey, createOrg, createProject } from '../src/admin/tenants.ts';
import { securityChecks } from '../src/checks/security/index.ts';
import { seoChecks } from '../src/checks/seo/index.ts';
import { runChecks } from '../src/checks/types.ts';
import { fetchPageArtifact } from '../src/gather/html-page.ts';
import { createSafeFetcher } from '../src/gather/safe-fetch.ts';
import { gatherSecurityArtifacts, gatherSeoArtifacts } from '../src/gather/site-probes.ts';
import { parseHostAllowlist } from '../src/gather/ssrf/host-allowlist.ts';
import { connectDatabase } from '../src/platform/db.ts';
import { CRAWLER_USER_AGENT } from '../src/gather/crawl-discovery.ts';
import { startCrawlSite } from '../test/support/crawl-site.ts';
import { log, memoryMiB, onCleanup, printTable, recreateDatabase, requireTemporalCli, runBench, startStack, waitUntil } from './support.ts';

const DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/sitewarden_bench_crawl';
const PAGES = Number(process.env.BENCH_CRAWL_PAGES ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CRAWL_CONCURRENCY ?? 4);
const PAGES_PER_RUN = 200;

/** Events of every run of a workflow id, newest run first, following the continue-as-new chain back. */
async function runsOf(client: Client, workflowId: string): Promise<number[]> {
  const sizes: number[] = [];
  let runId: string | undefined;
  for (;;) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    sizes.push(history.events?.length ?? 0);
    const previous = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
    if (!previous) return sizes.reverse();
    runId = previous;
  }
}

runBench('crawl', async () => {
  const temporalCli = requireTemporalCli();
  await recreateDatabase(DATABASE_URL);
  const site = await startCrawlSite({ pages: PAGES });
  onCleanup(() => site.close(), { afterChildren: true });
  const db = connectDatabase(DATABASE_URL, 4);
  onCleanup(() => db.close(), { afterChildren: true });
  const stack = await startStack(temporalCli, {
    DATABASE_URL,
    SITEWARDEN_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
    RATE_LIMIT_DEFAULT_MAX: '100000',
    LOG_LEVEL: 'warn',
    CRAWL_CONCURRENCY: String(CONCURRENCY),
    CRAWL_REQUEST_INTERVAL_MS: '0',
    CRAWL_PAGES_PER_RUN: String(PAGES_PER_RUN),
  });
  const org = await createOrg(db.prisma, 'bench-crawl');
  const project = await createProject(db.prisma, org.id, 'bench-site');
  const key = await createKey(db.prisma, { orgId: org.id, scopes: ['audit:read', 'audit:write'] });
  const audit = `${stack.baseUrl}/api/v1/orgs/${org.id}/projects/${project.id}/audit`;
  const headers = { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' };

  // ---- the crawl ----
  log(`crawling ${site.allowedPages.length} pages (fixture of ${PAGES}), concurrency ${CONCURRENCY}, no Lighthouse`);
  const memory: number[] = [];
  const sampler = setInterval(() => {
    try {
      memory.push(memoryMiB(stack.workerPid).rss);
    } catch {
      // the worker is gone: the wait below fails
    }
  }, 1_000);
  const t0 = performance.now();
  const started = await fetch(`${audit}/crawls/run`, { method: 'POST', headers, body: JSON.stringify({ url: site.startUrl, max_pages: 10_000, max_depth: 5, scanners: ['security', 'seo'] }) });
  if (started.status !== 202) throw new Error(`crawl refused: ${started.status} ${await started.text()}`);
  const { data } = (await started.json()) as { data: { id: string; workflow_id: string } };
  let crawl: { status: string; counts: { scanned: number; failed: number } } | undefined;
  await waitUntil('the crawl to close', 3 * 3600_000, async () => {
    crawl = ((await (await fetch(`${audit}/crawls/${data.id}`, { headers })).json()) as { data: typeof crawl }).data;
    return crawl!.status !== 'running' && crawl!.status !== 'queued';
  }, 1_000);
  const crawlMs = performance.now() - t0;
  clearInterval(sampler);
  if (crawl!.status !== 'completed') throw new Error(`the crawl ended ${crawl!.status}`);

  // Duplicates: scan runs per page URL, and the site's log of the scans' page fetches.
  const dupRuns = await db.prisma.$queryRaw<Array<{ n: bigint }>>`SELECT count(*) AS n FROM (SELECT url FROM scan_runs WHERE org_id = ${org.id}::uuid GROUP BY url HAVING count(*) > 1) d`;
  const scanFetches = new Map<string, number>();
  for (const hit of site.hits) if (hit.userAgent !== CRAWLER_USER_AGENT && site.allowedPages.includes(hit.path)) scanFetches.set(hit.path, (scanFetches.get(hit.path) ?? 0) + 1);
  const fetchedTwice = [...scanFetches.values()].filter((n) => n > 1).length;
  const runs = await runsOf(stack.temporal, data.workflow_id);
  const onePage = await db.prisma.crawlPage.findFirstOrThrow({ where: { crawl_id: data.id, status: 'scanned' } });
  const scanEvents = (await stack.temporal.workflow.getHandle(`scan-${onePage.id}`).fetchHistory()).events?.length ?? 0;

  // ---- the bare loop: the same checks on the same pages, CONCURRENCY at a time ----
  const fetcher = createSafeFetcher({ allowlist: parseHostAllowlist('127.0.0.1') });
  const urls = site.allowedPages.map((p) => `${site.origin}${p}`);
  const t1 = performance.now();
  let next = 0;
  let findings = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < urls.length) {
        const page = await fetchPageArtifact(fetcher, urls[next++]!);
        const [security, seo] = await Promise.all([gatherSecurityArtifacts(fetcher, page), gatherSeoArtifacts(fetcher, page)]);
        findings += runChecks(securityChecks, security).length + runChecks(seoChecks, seo).length;
      }
    }),
  );
  const loopMs = performance.now() - t1;
  await fetcher.close();

  const perMinute = (pages: number, ms: number) => (pages / ms) * 60_000;
  const crawlRate = perMinute(crawl!.counts.scanned, crawlMs);
  const loopRate = perMinute(urls.length, loopMs);
  const mean = memory.reduce((a, b) => a + b, 0) / Math.max(1, memory.length);
  printTable('crawl vs bare loop (security + SEO, no Lighthouse)', ['', 'pages', 'seconds', 'pages/min'], [
    ['crawl (API, Temporal, DB)', String(crawl!.counts.scanned), (crawlMs / 1000).toFixed(1), crawlRate.toFixed(0)],
    ['bare loop (fetch + checks)', String(urls.length), (loopMs / 1000).toFixed(1), loopRate.toFixed(0)],
    ['ratio loop / crawl', '', '', (loopRate / crawlRate).toFixed(1)],
  ]);
  printTable('history size (events)', ['workflow', 'runs', 'per run (max)', 'per run (mean)'], [
    ['SiteCrawlWorkflow', String(runs.length), String(Math.max(...runs)), (runs.reduce((a, b) => a + b, 0) / runs.length).toFixed(0)],
    ['ScanWorkflow (one page)', '1', String(scanEvents), String(scanEvents)],
  ]);
  printTable('worker memory over the crawl (RSS MiB, 1 s samples)', ['samples', 'first', 'mean', 'max', 'last'], [
    [String(memory.length), memory[0]?.toFixed(0) ?? '-', mean.toFixed(0), Math.max(...memory).toFixed(0), memory.at(-1)?.toFixed(0) ?? '-'],
  ]);
  printTable('duplicates (goal 0)', ['page URLs with > 1 scan run', 'pages the scans fetched > 1 time', 'bare-loop findings (sanity)'], [[String(dupRuns[0]?.n ?? 0), String(fetchedTwice), String(findings)]]);
});
