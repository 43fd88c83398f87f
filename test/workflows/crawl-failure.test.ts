import { ApplicationFailure } from '@temporalio/activity';
import { Worker } from '@temporalio/worker';
import { createActivities, type Activities } from '../../src/activities/index.ts';
import { createSafeFetcher, type SafeFetcher } from '../../src/gather/safe-fetch.ts';
import { startCrawlSite, type CrawlSite } from '../support/crawl-site.ts';
import { call, eventually } from '../support/http.ts';
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
  let refused: string | undefined;
  const activities: Activities = {
    ...real,
    // The fourth settled scan cannot be recorded: the crawl fails with scans still in flight. That
    // page stays refused: on a loaded machine the workflow task that saw the failure can time out,
    // and its retry runs the local activity again.
    async settleCrawlPage(pageId) {
      if (refused === undefined && ++settled === 4) refused = pageId;
      if (pageId === refused) throw ApplicationFailure.nonRetryable('the page could not be recorded', 'PageRecordRefused');
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

it('a page scan that ends without closing its run (terminated) fails that page and its run; the crawl goes on', async () => {
  const t = await createTenant(stack.db.prisma, stack.baseUrl);
  const real = createActivities({ prisma: stack.db.prisma, config: stack.config, fetcher });
  const activities: Activities = {
    ...real,
    // The start page's capture hangs (under the heartbeat timeout) until its workflow is terminated.
    async capturePage(scanRunId) {
      const run = await stack.db.prisma.scanRun.findUniqueOrThrow({ where: { id: scanRunId } });
      if (run.url === site.startUrl) await new Promise((resolve) => setTimeout(resolve, 8_000));
      return real.capturePage(scanRunId);
    },
  };
  const worker = await Worker.create({ connection: stack.temporal.nativeConnection, taskQueue: stack.config.TEMPORAL_TASK_QUEUE, workflowBundle: workflowBundle(), activities });
  const crawlId = await worker.runUntil(async () => {
    const started = await call('POST', `${t.audit}/crawls/run`, { key: t.writeKey, body: { url: site.startUrl, max_pages: 3, scanners: ['seo'] } });
    expect(started.status).toBe(202);
    const id = started.body.data.id as string;
    const page = await eventually(() => stack.db.prisma.crawlPage.findFirst({ where: { crawl_id: id, depth: 0, status: 'scanning' } }), (p) => p !== null, 30_000);
    // The page is `scanning` from its visit; its ScanWorkflow starts a moment later.
    const scan = stack.temporal.client.workflow.getHandle(`scan-${page!.id}`);
    const terminated = await eventually(() => scan.terminate('test: the scan ends without closing its run').then(() => true, () => false), (done) => done, 30_000);
    expect(terminated).toBe(true);
    await stack.temporal.client.workflow.getHandle(started.body.data.workflow_id).result();
    return id;
  });
  const crawl = await stack.db.prisma.crawl.findUniqueOrThrow({ where: { id: crawlId } });
  expect(crawl.status).toBe('completed');
  const start = await stack.db.prisma.crawlPage.findFirstOrThrow({ where: { crawl_id: crawlId, depth: 0 } });
  expect(start.status).toBe('failed');
  const run = await stack.db.prisma.scanRun.findUniqueOrThrow({ where: { id: start.id } });
  expect(run.status).toBe('failed');
  expect(run.failure_reason).toMatch(/^the scan did not finish: /);
  expect(await stack.db.prisma.crawlPage.count({ where: { crawl_id: crawlId, status: 'scanned' } })).toBe(2);
}, 120_000);
