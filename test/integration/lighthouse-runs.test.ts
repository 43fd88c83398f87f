import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { call, eventually } from '../support/http.ts';
import { scanToEnd } from '../support/scans.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { createTenant, type Tenant } from '../support/tenants.ts';

// A project's lighthouse_runs through the API: a real Lighthouse in a real Chromium, N times.

const PAGE = '<!doctype html><html lang="en"><head><title>Lab runs</title><meta name="viewport" content="width=device-width"></head><body><h1>Lab runs</h1><p>A page.</p></body></html>';

/**
 * How long the page's server waits before answering each Lighthouse load, in the order of the
 * loads (then again from the start). TTFB follows it, and so do FCP and TTI, which choose the
 * median run: the middle delay's run is the one kept.
 */
let delays: number[] = [];
/** The page's loads by Lighthouse (its mobile user agent); the scan's own fetch of the page is not one. */
let lighthouseLoads = 0;
let site: Server;
let siteUrl: string;
let stack: Stack;

beforeAll(async () => {
  site = createServer((req, res) => {
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/lab') return res.writeHead(404).end();
    const byLighthouse = /Android.*Mobile Safari/.test(req.headers['user-agent'] ?? '');
    const delay = byLighthouse ? (delays[lighthouseLoads % delays.length] ?? 0) : 0;
    if (byLighthouse) lighthouseLoads++;
    setTimeout(() => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE), delay);
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/lab`;
  stack = await startStack({ VERIFICATION_DECISION_WINDOW_SECONDS: '1' });
});
afterAll(async () => {
  await stack.close();
  site.closeAllConnections();
  await new Promise((resolve) => site.close(resolve));
});

const projectPath = (t: Tenant) => `${stack.baseUrl}/api/v1/orgs/${t.orgId}/projects/${t.projectId}`;
const setRuns = (t: Tenant, body: unknown) => call('PATCH', projectPath(t), { key: t.writeKey, body });

it('refuses a lighthouse_runs that is not 1, 3 or 5 with a 422, and keeps the setting', async () => {
  const t = await createTenant(stack.db.prisma, stack.baseUrl);
  for (const bad of [0, 2, 4, 6, 1.5, '3', null]) {
    const res = await setRuns(t, { settings: { lighthouse_runs: bad } });
    expect([bad, res.status]).toEqual([bad, 422]);
    expect(res.body.error.details).toHaveProperty(['settings.lighthouse_runs']);
  }
  for (const body of [{}, { settings: { runs: 3 } }, { settings: 3 }]) expect((await setRuns(t, body)).status).toBe(422);
  expect((await setRuns(t, { settings: { lighthouse_runs: 5 } })).body.data).toMatchObject({ id: t.projectId, settings: { lighthouse_runs: 5 } });
  // A name alone leaves the settings as they are.
  expect((await setRuns(t, { name: 'Renamed' })).body.data).toMatchObject({ name: 'Renamed', settings: { lighthouse_runs: 5 } });
  const listed = await call('GET', `${stack.baseUrl}/api/v1/orgs/${t.orgId}/projects`, { key: t.readKey });
  expect(listed.body.data).toEqual([expect.objectContaining({ id: t.projectId, settings: { lighthouse_runs: 5 } })]);
  // A read key may not change it; a project the org does not have is a 404.
  expect((await call('PATCH', projectPath(t), { key: t.readKey, body: { settings: { lighthouse_runs: 1 } } })).status).toBe(403);
  expect((await call('PATCH', `${projectPath(t)}-nope`, { key: t.writeKey, body: { settings: { lighthouse_runs: 1 } } })).status).toBe(404);
});

it('with lighthouse_runs 3, a scan and a verification each load the page three times and keep the median run', async () => {
  const t = await createTenant(stack.db.prisma, stack.baseUrl);
  expect((await setRuns(t, { settings: { lighthouse_runs: 3 } })).status).toBe(200);

  // Slowest first, the median second, the fastest last: TTFB 6 s (poor), 1.4 s (needs improvement),
  // 0.1 s (good). FCP and TTI follow TTFB and choose the median run. But they are simulated from
  // the trace's CPU work ×4 (Lighthouse's mobile throttling), and on a machine loaded by other
  // test files that work can grow by a second or more in one run and reorder the runs. When the
  // kept run is another one but does hold the median FCP and TTI (so the choice was right for what
  // Lighthouse measured), the scan is run once more; any other kept run fails the test.
  let scan: any;
  for (let attempt = 1; ; attempt++) {
    delays = [6000, 1400, 100];
    lighthouseLoads = 0;
    scan = await scanToEnd(t, siteUrl, ['performance'], { timeoutMs: 540_000 });
    expect(scan.status).toBe('completed');
    expect(lighthouseLoads).toBe(3);
    const { fcp_ms: fcp, tti_ms: tti } = scan.summary.performance_lab.metrics;
    const keptHoldsTheMedians = fcp.kept === fcp.median && tti.kept === tti.median;
    if (scan.summary.performance_lab.kept_run === 2 || attempt === 2 || !keptHoldsTheMedians) break;
    console.warn(`lighthouse_runs: run ${scan.summary.performance_lab.kept_run} had the median FCP/TTI (a loaded machine); scanning again`);
  }

  const lab = scan.summary.performance_lab;
  expect(lab).toMatchObject({ source: 'lighthouse', runs: 3, kept_run: 2 });
  for (const name of ['lcp_ms', 'fcp_ms', 'tbt_ms', 'speed_index_ms', 'ttfb_ms', 'tti_ms']) {
    const spread = lab.metrics[name];
    expect([name, spread]).toEqual([name, expect.objectContaining({ min: expect.any(Number), median: expect.any(Number), max: expect.any(Number) })]);
    expect(spread.min).toBeLessThanOrEqual(spread.median);
    expect(spread.median).toBeLessThanOrEqual(spread.max);
  }
  const ttfb = lab.metrics.ttfb_ms;
  expect(ttfb.min).toBeLessThan(800);
  expect(ttfb.max).toBeGreaterThan(1800);
  expect(ttfb.kept).toBeGreaterThanOrEqual(1000);
  expect(ttfb.kept).toBeLessThan(1800);

  // The finding is the median run's: TTFB needs improvement, not poor (the slowest run) nor absent (the fastest).
  const findings = (await call('GET', `${t.audit}/findings?domain=performance`, { key: t.readKey })).body.data;
  const slow = findings.find((f: any) => f.check_id === 'performance.ttfb');
  expect(slow).toMatchObject({ severity: 'medium', evidence: expect.objectContaining({ rating: 'needs_improvement', lab: ttfb.kept }) });
  expect(slow.evidence.lab_runs).toEqual({ runs: 3, kept_run: 2, spread: { min: ttfb.min, median: ttfb.median, max: ttfb.max } });
  expect(slow.description).toContain('median run of 3 mobile lab runs of Lighthouse');

  // The fix: the page answers fast now, but for one load in three. The median run passes; the
  // first run (the slow one) would not.
  const task = await call('POST', `${t.audit}/tasks`, { key: t.writeKey, body: { finding_id: slow.id } });
  expect(task.status).toBe(201);
  for (const status of ['in_progress', 'ready_verify']) {
    expect((await call('PATCH', `${t.audit}/tasks/${task.body.data.id}`, { key: t.writeKey, body: { status } })).status).toBe(200);
  }
  delays = [2000, 50, 60];
  lighthouseLoads = 0;
  const started = await call('POST', `${t.audit}/verifications/run`, { key: t.writeKey, body: { task_id: task.body.data.id } });
  expect(started.status).toBe(202);
  const done = await eventually(
    () => call('GET', `${t.audit}/verifications/${started.body.data.id}`, { key: t.readKey }),
    (r) => r.body.data.result !== 'pending',
    540_000,
  );
  expect(lighthouseLoads).toBe(3);
  expect(done.body.data).toMatchObject({ result: 'passed', checks: [expect.objectContaining({ key: 'ttfb', status: 'passed' })] });
}, 1_200_000);
