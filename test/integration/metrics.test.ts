import { randomBytes } from 'node:crypto';
import { URL_ATTRIBUTE, ORG_ID, TRIGGER } from '../../src/platform/search-attributes.ts';
import { AUDIT_BASE } from '../../src/api/app.ts';
import { migrate } from '../../src/platform/migrate.ts';
import { scanWorkflowId } from '../../src/services/scan-kickoff.ts';
import { OPEN_LIGHT_SCAN_SUMMARY } from '../../src/workflows/scan.ts';
import { startFixtureSite, type FixtureSite } from '../support/fixture-site.ts';
import { call, eventually } from '../support/http.ts';
import { freePort, spawnService, stopAll } from '../support/processes.ts';
import { createScratchDatabase, dropDatabase } from '../support/scratch-database.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { createTenant, type Tenant } from '../support/tenants.ts';

// The API and the worker as real processes (`npm run api|worker`'s entry points), each with its
// own registry and the worker with its own Temporal Runtime, on the test's Temporal and database.
let stack: Stack;
let site: FixtureSite;
let t: Tenant;
let api: string;
let workerMetricsUrl: string;
let databaseUrl: string | undefined;
const token = randomBytes(24).toString('base64url');
const logs: Array<{ process: 'api' | 'worker'; line: string; stream: string }> = [];
const UI = 'http://127.0.0.1:8233';

beforeAll(async () => {
  // A database of its own: the counters must move by this file's scans alone, and an API process
  // resumes every queued run of its database (another file's too, into this file's Temporal),
  // which a fresh-clone run counted as a fifth started scan.
  databaseUrl = await createScratchDatabase();
  await migrate(databaseUrl);
  [stack, site] = await Promise.all([startStack({ DATABASE_URL: databaseUrl }, { worker: false }), startFixtureSite()]);
  t = await createTenant(stack.db.prisma, stack.baseUrl);
  // No bundle made ahead: the worker bundles at start, and says so in one line (asserted below).
  const env = stack.serviceEnv({ METRICS_TOKEN: token, LOG_LEVEL: 'info', WORKFLOW_BUNDLE_PATH: '' });
  spawnService('src/worker.ts', { ...env, WORKER_METRICS_PORT: '0' }, (line, stream) => logs.push({ process: 'worker', line, stream }));
  const port = String(await freePort());
  spawnService('src/api/main.ts', { ...env, PORT: port, TEMPORAL_UI_URL: `${UI}/` }, (line, stream) => logs.push({ process: 'api', line, stream }));
  api = `http://127.0.0.1:${port}`;
  // The worker logs the address it bound (WORKER_METRICS_PORT=0: a free port).
  const listening = await eventually(
    async () => logs.filter((l) => l.process === 'worker').map((l) => parse(l.line)).find((r) => r?.msg === 'worker metrics listening'),
    (record) => record !== undefined,
    150_000,
  );
  if (!listening) throw new Error(`the worker did not start:\n${logs.map((l) => l.line).join('\n')}`);
  workerMetricsUrl = String(listening.url);
  await eventually(() => fetch(`${api}/healthz`).then((r) => r.status, () => 0), (status) => status === 200, 60_000);
}, 210_000);

afterAll(async () => {
  await stopAll();
  await stack?.close();
  await site?.close();
  if (databaseUrl) await dropDatabase(databaseUrl);
});

function parse(line: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(line);
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Prometheus text → samples (`name`, labels, value); comments skipped. */
function samples(text: string): Array<{ name: string; labels: Record<string, string>; value: number }> {
  const out = [];
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** The sum of the samples of `name` whose labels include `labels`. */
function total(text: string, name: string, labels: Record<string, string> = {}): number {
  return samples(text)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

async function scrape(url: string): Promise<string> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

it('guards both /metrics with METRICS_TOKEN: 401 in the error envelope without it or with another', async () => {
  for (const url of [`${api}/metrics`, workerMetricsUrl]) {
    for (const authorization of [undefined, `Bearer ${token}x`, token, `Bearer ${'y'.repeat(token.length)}`]) {
      const res = await call('GET', url, authorization ? { headers: { authorization } } : {});
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ data: null, meta: { request_id: expect.any(String) }, error: { code: 'unauthorized', message: expect.any(String) } });
      expect(res.text).not.toContain('sitewarden_');
    }
    expect(await scrape(url)).toContain('process_cpu_user_seconds_total');
  }
});

it('serves the Temporal SDK Core metrics through the worker /metrics, beside its own', async () => {
  const text = await eventually(() => scrape(workerMetricsUrl), (body) => /^temporal_\w+/m.test(body), 30_000);
  expect(samples(text).some((s) => s.name.startsWith('temporal_'))).toBe(true);
  expect(text).toContain('# TYPE sitewarden_scans_started_total counter');
  // The API process has no workers: neither Core metrics nor the worker's counters there.
  const apiText = await scrape(`${api}/metrics`);
  expect(apiText).not.toMatch(/^temporal_/m);
  expect(apiText).not.toContain('sitewarden_scans_started_total');
});

it('moves the counters by exactly the scans run, labels routes by template, and finds the scans in Temporal by org id', async () => {
  const workerBefore = await scrape(workerMetricsUrl);
  const apiBefore = await scrape(`${api}/metrics`);
  const audit = `${api}/api/v1/orgs/${t.orgId}/projects/${t.projectId}/audit`;
  const runs: Array<{ scanners: string[]; url: string }> = [
    { scanners: ['security', 'seo'], url: site.defectsUrl },
    { scanners: ['security', 'seo'], url: site.cleanUrl },
    { scanners: ['seo'], url: site.defectsUrl },
    { scanners: ['accessibility'], url: site.defectsUrl },
  ];
  const ids: string[] = [];
  for (const run of runs) {
    const res = await call('POST', `${audit}/scans/run`, { key: t.writeKey, body: run });
    expect(res.status).toBe(202);
    ids.push(res.body.data.id);
  }
  // A refused request and an unknown scan: other statuses, same templates.
  expect((await call('POST', `${audit}/scans/run`, { key: t.writeKey, body: { url: 'ftp://x' } })).status).toBe(422);
  const finished = await eventually(
    () => stack.db.prisma.scanRun.findMany({ where: { id: { in: ids } } }),
    (rows) => rows.every((r) => r.status === 'completed' || r.status === 'failed'),
    150_000,
  );
  expect(finished.map((r) => r.status).filter((s) => s !== 'completed' && s !== 'failed')).toEqual([]);
  for (const id of ids) expect((await call('GET', `${audit}/scans/${id}`, { key: t.readKey })).status).toBe(200);

  const workerAfter = await scrape(workerMetricsUrl);
  const delta = (name: string, labels: Record<string, string> = {}) => total(workerAfter, name, labels) - total(workerBefore, name, labels);
  expect(delta('sitewarden_scans_started_total')).toBe(runs.length);
  for (const status of ['completed', 'failed'] as const) {
    expect(delta('sitewarden_scans_finished_total', { status })).toBe(finished.filter((r) => r.status === status).length);
  }
  // One timed attempt per scanner slot done; a slot that failed in its activity was timed `failed` once
  // (its earlier attempts, if any, `retrying`).
  const slots = finished.flatMap((r) => Object.entries(r.scanner_status as Record<string, { status: string }>));
  for (const scanner of ['security', 'seo', 'accessibility']) {
    for (const outcome of ['done', 'failed'] as const) {
      const expected = slots.filter(([name, slot]) => name === scanner && slot.status === outcome).length;
      expect({ scanner, outcome, count: delta('sitewarden_scanner_duration_seconds_count', { scanner, outcome }) }).toEqual({ scanner, outcome, count: expected });
    }
  }
  expect(delta('sitewarden_scanner_duration_seconds_count', { scanner: 'security', outcome: 'done' })).toBe(2);
  expect(delta('sitewarden_scanner_duration_seconds_count', { scanner: 'seo', outcome: 'done' })).toBe(3);
  // Every accessibility attempt that ran waited for a Chromium slot first, and only those did.
  const browserAttempts = delta('sitewarden_scanner_duration_seconds_count', { scanner: 'accessibility' });
  expect(browserAttempts).toBeGreaterThanOrEqual(1);
  expect(delta('sitewarden_browser_queue_wait_seconds_count', { outcome: 'granted' })).toBe(browserAttempts);

  const apiAfter = await scrape(`${api}/metrics`);
  const apiDelta = (labels: Record<string, string>) =>
    total(apiAfter, 'sitewarden_http_request_duration_seconds_count', labels) - total(apiBefore, 'sitewarden_http_request_duration_seconds_count', labels);
  expect(apiDelta({ method: 'POST', route: `${AUDIT_BASE}/scans/run`, status: '202' })).toBe(runs.length);
  expect(apiDelta({ method: 'POST', route: `${AUDIT_BASE}/scans/run`, status: '422' })).toBe(1);
  expect(apiDelta({ method: 'GET', route: `${AUDIT_BASE}/scans/:scan_id`, status: '200' })).toBe(runs.length);
  // Never the raw path: no id of the tenant or of a scan in any label.
  for (const secret of [t.orgId, t.projectId, ...ids]) expect(apiAfter).not.toContain(secret);

  // Found in Temporal by the org's id (visibility is eventually consistent), with their URL and trigger.
  const listed = await eventually(
    async () => {
      const found = [];
      for await (const wf of stack.temporal.client.workflow.list({ query: `SitewardenOrgId='${t.orgId}'` })) found.push(wf);
      return found;
    },
    (found) => found.length >= ids.length,
    30_000,
  );
  expect(listed.map((wf) => wf.workflowId).sort()).toEqual(ids.map(scanWorkflowId).sort());
  for (const wf of listed) {
    expect(wf.typedSearchAttributes.get(ORG_ID)).toBe(t.orgId);
    expect(wf.typedSearchAttributes.get(TRIGGER)).toBe('manual');
    const run = finished.find((r) => scanWorkflowId(r.id) === wf.workflowId)!;
    expect(wf.typedSearchAttributes.get(URL_ATTRIBUTE)).toBe(run.url);
  }
}, 240_000);

it('names the URL in the workflow and activity summaries, and links GET scans/:id to the Temporal UI', async () => {
  const audit = `${api}/api/v1/orgs/${t.orgId}/projects/${t.projectId}/audit`;
  const res = await call('POST', `${audit}/scans/run`, { key: t.writeKey, body: { url: site.cleanUrl, scanners: ['security'] } });
  expect(res.status).toBe(202);
  const id: string = res.body.data.id;
  expect(res.body.data.links).toBeUndefined();
  const handle = stack.temporal.client.workflow.getHandle(scanWorkflowId(id));
  await handle.result();
  expect(await (await handle.describe()).staticSummary()).toBe(`Scan (security) ${site.cleanUrl}`);
  const summaries: string[] = [];
  for (const event of (await handle.fetchHistory()).events ?? []) {
    // An activity's summary is on its scheduled event, a local activity's on its marker.
    const data = event.activityTaskScheduledEventAttributes || event.markerRecordedEventAttributes ? event.userMetadata?.summary?.data : undefined;
    if (data) summaries.push(JSON.parse(Buffer.from(data).toString('utf8')));
  }
  // A scan of HTTP scanners only is one activity, the page fetch included (patch scan-one-http-activity),
  // a local one since scan-light-local, with the run's opening and closing since
  // scan-light-one-activity: made before the plan, its summary says what it does; the URL and
  // scanners are in the workflow's summary above.
  expect(summaries).toEqual([OPEN_LIGHT_SCAN_SUMMARY]);

  const shown = await call('GET', `${audit}/scans/${id}`, { key: t.readKey });
  expect(shown.body.data.links).toEqual({ temporal_ui: `${UI}/namespaces/default/workflows/scan-${id}` });
}, 120_000);

it('logs one JSON shape from the API, the worker and the Temporal SDK, without the webpack report', async () => {
  const stdout = logs.filter((l) => l.stream === 'stdout');
  const records = stdout.map((l) => ({ process: l.process, record: parse(l.line) }));
  expect(records.filter((r) => r.record === undefined).map((r) => r.process)).toEqual([]);
  const shape = (record: Record<string, unknown>) => ({
    level: typeof record.level,
    time: typeof record.time,
    pid: typeof record.pid,
    hostname: typeof record.hostname,
    name: typeof record.name,
    msg: typeof record.msg,
  });
  const expected = { level: 'number', time: 'number', pid: 'number', hostname: 'string', name: 'string', msg: 'string' };
  for (const { record } of records) expect(shape(record!)).toEqual(expected);
  const names = new Set(records.map((r) => `${r.process}:${String(r.record!.name)}`));
  expect(names).toEqual(new Set(['api:api', 'worker:worker']));
  // The SDK's own lines (worker state, Core) come through the same logger, with its fields.
  const sdk = records.filter((r) => r.process === 'worker' && r.record!.sdkComponent !== undefined);
  expect(sdk.length).toBeGreaterThan(0);
  expect(records.some((r) => r.record!.msg === 'workflow bundle ready')).toBe(true);
  // webpack's module report is logged at debug, not at every start.
  expect(stdout.some((l) => /modules by path|webpack \d|asset workflow-bundle/.test(l.line))).toBe(false);
  expect(logs.filter((l) => l.stream === 'stderr').map((l) => l.line)).toEqual([]);
});
