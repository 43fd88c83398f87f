import { call, eventually } from '../support/http.ts';
import { startCrawlSite, type CrawlSite } from '../support/crawl-site.ts';
import { crash, isGone, spawnService, stopAll } from '../support/processes.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { createTenant } from '../support/tenants.ts';

let stack: Stack;
let site: CrawlSite;

beforeAll(async () => {
  // Every HTML answer takes 40 ms, so the crawl is still running when the worker is killed.
  [stack, site] = await Promise.all([startStack({}, { worker: false }), startCrawlSite({ pages: 120, delayMs: 40 })]);
}, 60_000);
afterAll(async () => {
  await stopAll();
  await stack?.close();
  await site?.close();
});

function workerEnv(): Record<string, string> {
  return stack.serviceEnv({
    CRAWL_CONCURRENCY: '4',
    CRAWL_REQUEST_INTERVAL_MS: '0',
    // Several runs: the kill may land in any of them, or on a continue-as-new.
    CRAWL_PAGES_PER_RUN: '30',
  });
}

it('scans every page once, losing none, when the worker is SIGKILLed mid-crawl', async () => {
  const t = await createTenant(stack.db.prisma, stack.baseUrl);
  const first = spawnService('src/worker.ts', workerEnv());
  const started = await call('POST', `${t.audit}/crawls/run`, { key: t.writeKey, body: { url: site.startUrl, max_pages: 1000, scanners: ['security', 'seo'] } });
  expect(started.status).toBe(202);
  const id: string = started.body.data.id;

  // Killed with pages scanned and pages in flight.
  const count = (status: 'scanned' | 'scanning') => stack.db.prisma.crawlPage.count({ where: { crawl_id: id, status } });
  const inFlight = await eventually(async () => ({ scanned: await count('scanned'), scanning: await count('scanning') }), (n) => n.scanned >= 25 && n.scanning >= 1, 120_000);
  expect(inFlight.scanning).toBeGreaterThanOrEqual(1);
  const killed = await crash(first);
  expect(killed).toContain(first.pid);
  expect(killed.filter((pid) => !isGone(pid))).toEqual([]);
  const atKill = await stack.db.prisma.crawlPage.groupBy({ by: ['status'], where: { crawl_id: id }, _count: { _all: true } });
  process.stderr.write(`crawl worker-kill test: pages at the kill ${JSON.stringify(atKill.map((r) => [r.status, r._count._all]))}\n`);
  expect((await stack.db.prisma.crawl.findUniqueOrThrow({ where: { id } })).status).toBe('running');

  spawnService('src/worker.ts', workerEnv());
  const done = await eventually(() => call('GET', `${t.audit}/crawls/${id}`, { key: t.readKey }), (res) => ['completed', 'failed', 'cancelled'].includes(res.body.data.status), 240_000);
  expect(done.body.data.status).toBe('completed');

  // None lost: every allowed page scanned. None twice: one scan run per page URL, one ScanWorkflow each.
  const allowed = site.allowedPages.map((p) => `${site.origin}${p}`).sort();
  const scanned = await stack.db.prisma.crawlPage.findMany({ where: { crawl_id: id, status: 'scanned' }, select: { url: true, scan_run_id: true } });
  expect(scanned.map((p) => p.url).sort()).toEqual(allowed);
  expect(done.body.data.counts).toMatchObject({ scanned: allowed.length, failed: 0, queued: 0, scanning: 0 });
  const runs = await stack.db.prisma.scanRun.findMany({ where: { org_id: t.orgId }, select: { url: true, status: true, workflow_id: true } });
  expect(runs).toHaveLength(allowed.length);
  expect(runs.map((r) => r.url).sort()).toEqual(allowed);
  expect(runs.every((r) => r.status === 'completed')).toBe(true);
  expect(new Set(runs.map((r) => r.workflow_id)).size).toBe(allowed.length);
  // Each finding once, each detection once.
  const findings = await stack.db.prisma.finding.findMany({ where: { org_id: t.orgId }, select: { title: true } });
  expect(new Set(findings.map((f) => f.title)).size).toBe(findings.length);
  expect(await stack.db.prisma.findingEvent.count({ where: { org_id: t.orgId, kind: 'detected' } })).toBe(findings.length);
  expect(site.offSiteHits).toEqual([]);
  expect(site.hits.filter((h) => h.path.startsWith('/private'))).toEqual([]);
}, 400_000);
