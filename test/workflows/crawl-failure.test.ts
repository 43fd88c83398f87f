import { ApplicationFailure } from '@temporalio/activity';
import { Worker } from '@temporalio/worker';
import { createActivities, type Activities } from '../../src/activities/index.ts';
import { createSafeFetcher, type SafeFetcher } from '../../src/gather/safe-fetch.ts';
import { startCrawlSite, type CrawlSite } from '../support/crawl-site.ts';
import { call } from '../support/http.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { workflowBundle } from '../support/temporal.ts';
import { createTenant } from '../support/tenants.ts';

// SiteCrawlWorkflow's failure path on a real Temporal server and database: the real activities,
// but for one step that fails for good.

let stack: Stack;
let site: CrawlSite;
let fetcher: SafeFetcher;

beforeAll(async () => {
  [stack, site] = await Promise.all([startStack({ CRAWL_REQUEST_INTERVAL_MS: '0', CRAWL_CONCURRENCY: '3' }, { worker: false }), startCrawlSite({ pages: 30, delayMs: 30 })]);
  fetcher = createSafeFetcher({ allowlist: stack.config.allowlist, timeoutMs: stack.config.SCAN_FETCH_TIMEOUT_MS });
}, 60_000);
afterAll(async () => {
  await stack?.close();
  await fetcher?.close();
  await site?.close();
});

it('a step that fails for good closes the crawl failed with the reason, cancelling its scans in flight and its queued pages', async () => {
  const t = await createTenant(stack.db.prisma, stack.baseUrl);
  const real = createActivities({ prisma: stack.db.prisma, config: stack.config, fetcher });
  let settled = 0;
  const activities: Activities = {
    ...real,
    // The fourth settled scan cannot be recorded: the crawl fails with scans still in flight.
    async settleCrawlPage(pageId) {
      if (++settled === 4) throw ApplicationFailure.nonRetryable('the page could not be recorded', 'PageRecordRefused');
      return real.settleCrawlPage(pageId);
    },
  };
  const worker = await Worker.create({ connection: stack.temporal.nativeConnection, taskQueue: stack.config.TEMPORAL_TASK_QUEUE, workflowBundle: workflowBundle(), activities });
  const { crawlId, handle } = await worker.runUntil(async () => {
    const started = await call('POST', `${t.audit}/crawls/run`, { key: t.writeKey, body: { url: site.startUrl, max_pages: 100, scanners: ['seo'] } });
    expect(started.status).toBe(202);
    const h = stack.temporal.client.workflow.getHandle(started.body.data.workflow_id);
    await h.result(); // the failure path ends the workflow normally: the crawl row says failed
    return { crawlId: started.body.data.id as string, handle: h };
  });
  const crawl = await stack.db.prisma.crawl.findUniqueOrThrow({ where: { id: crawlId } });
  expect(crawl.status).toBe('failed');
  expect(crawl.failure_reason).toBe('the page could not be recorded');
  expect(crawl.finished_at).not.toBeNull();
  // Released: nothing queued or scanning, no scan of the crawl left open.
  const pages = await stack.db.prisma.crawlPage.findMany({ where: { crawl_id: crawlId } });
  expect(pages.filter((p) => p.status === 'queued' || p.status === 'scanning')).toEqual([]);
  expect(pages.filter((p) => p.status === 'cancelled').length).toBeGreaterThan(0);
  const scanIds = pages.map((p) => p.scan_run_id).filter((id): id is string => id !== null);
  expect(await stack.db.prisma.scanRun.count({ where: { id: { in: scanIds }, status: { in: ['queued', 'running'] } } })).toBe(0);
  expect((await handle.describe()).status.name).toBe('COMPLETED');
}, 120_000);
