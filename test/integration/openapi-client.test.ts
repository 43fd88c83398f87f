import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SwaggerClient from 'swagger-client';
import { resolveInstanceSecret } from '../../src/platform/crypto.ts';
import { activeSigningKey, rotateSigningKey, SigningKeyUnavailable } from '../../src/platform/signing.ts';
import { METHODS, responseProblems } from '../support/openapi-contract.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { createTenant, type Tenant } from '../support/tenants.ts';
import { startReceiver, type Receiver } from '../support/receivers.ts';
import { startFakeGitHub } from '../support/trackers/github.ts';
import type { FakeTracker } from '../support/trackers/server.ts';

/**
 * The API as a generic OpenAPI client sees it: Swagger's own JavaScript client (swagger-client,
 * the one Swagger UI runs) loads GET /openapi.json and calls every operation the document lists
 * by its operationId, with nothing but the document to go on: the server URL, the parameters'
 * places, the security scheme. Each answer must be a success and conform to its documented
 * schema; at the end, every operation in the document must have been called.
 */

const PUBLIC_BASE_URL = 'http://public.sitewarden.test';

interface Answer {
  status: number;
  text: string;
  body: any;
  headers: Record<string, string>;
  url: string;
}

/** A page whose headers the test changes: first defective, then fixed, so a verification passes. */
interface MutableSite {
  url: string;
  fixed: boolean;
  close(): Promise<void>;
}

async function startMutableSite(): Promise<MutableSite> {
  const site = { fixed: false } as MutableSite;
  const server: Server = createServer((req, res) => {
    const headers: Record<string, string> = { 'content-type': 'text/html; charset=utf-8' };
    if (site.fixed) headers['x-content-type-options'] = 'nosniff';
    if (req.url !== '/') return res.writeHead(404, headers).end('<!doctype html><title>404</title>');
    res.writeHead(200, headers).end('<!doctype html><html lang="en"><head><title>Shop</title></head><body><h1>Shop</h1></body></html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  site.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  site.close = () => new Promise((resolve) => server.close(() => resolve()));
  return site;
}

let stack: Stack;
let site: MutableSite;
let github: FakeTracker;
let hook: Receiver;
let storageDir: string;
let t: Tenant;
let client: any;
let operations: Map<string, { method: string; path: string }>;
const called = new Set<string>();

beforeAll(async () => {
  storageDir = await mkdtemp(join(tmpdir(), 'sitewarden-openapi-client-'));
  site = await startMutableSite();
  github = await startFakeGitHub({ token: 'ghp_genericClientToken1', owner: 'acme', repo: 'website' });
  hook = await startReceiver('webhook');
  stack = await startStack(
    { STORAGE_DIR: storageDir, PUBLIC_BASE_URL, VERIFICATION_DECISION_WINDOW_SECONDS: '60', NOTIFY_RETRY_INITIAL_MS: '100', NOTIFY_DISPATCH_POLL_MS: '200' },
    { dispatcher: true },
  );
  const secret = resolveInstanceSecret(stack.config);
  await activeSigningKey(stack.db.prisma, secret).catch((err) => {
    if (!(err instanceof SigningKeyUnavailable)) throw err;
    return rotateSigningKey(stack.db.prisma, secret);
  });
  t = await createTenant(stack.db.prisma, stack.baseUrl);
  // The document from the running API, as any client would load it; `servers: [{url: "/"}]` resolves against it.
  client = await SwaggerClient({ url: `${stack.baseUrl}/openapi.json`, authorizations: { apiKey: { value: t.writeKey } } });
  operations = new Map();
  for (const [path, item] of Object.entries<any>(client.spec.paths)) {
    for (const method of METHODS) if (item[method]) operations.set(item[method].operationId, { method, path });
  }
}, 60_000);

afterAll(async () => {
  await stack?.close();
  await site?.close();
  await github?.close();
  await hook?.close();
  await rm(storageDir, { recursive: true, force: true });
});

/** Calls one operation through the generic client; the answer must be a success and as documented. */
async function op(operationId: string, parameters: Record<string, unknown> = {}, requestBody?: unknown): Promise<Answer> {
  expect(operations.has(operationId)).toBe(true);
  const audit = operations.get(operationId)!.path.includes('{project_id}') ? { org_id: t.orgId, project_id: t.projectId } : {};
  let res: Answer;
  try {
    res = await client.execute({ operationId, parameters: { ...audit, ...parameters }, ...(requestBody !== undefined ? { requestBody } : {}) });
  } catch (err: any) {
    throw new Error(`${operationId} answered ${err.status ?? ''}: ${err.response?.text ?? err.message}`);
  }
  called.add(operationId);
  const problems = responseProblems(operations.get(operationId)!.method, res.url, {
    status: res.status,
    headers: new Headers(res.headers),
    text: res.text,
  });
  expect([operationId, problems]).toEqual([operationId, []]);
  return res;
}

/** A JSON answer's `data`; swagger-client parses JSON bodies itself. */
const data = (res: Answer) => res.body.data;

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out; last: ${JSON.stringify(value).slice(0, 500)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

it('calls every operation of the document through a generic client, each answering as documented', async () => {
  // Meta and health.
  for (const id of ['getHealth', 'getReadiness', 'getSigningKey', 'getMetrics', 'getOpenApiDocument', 'getDocsPage']) await op(id);
  await op('getDocsAsset', { file: 'swagger-ui.css' });
  // The dashboard's page (built by the set-up), one of its assets, and what it asks about the key.
  const page = await op('getDashboard');
  const asset = /\/assets\/([^"'?]+)/.exec(page.text)?.[1];
  expect(asset).toBeDefined();
  await op('getDashboardAsset', { file: asset });
  expect(data(await op('getMe')).org_id).toBe(t.orgId);
  await op('createProject', { org_id: t.orgId }, { id: 'generic-client', name: 'Generic client' });
  expect(data(await op('listProjects', { org_id: t.orgId })).map((p: any) => p.id)).toEqual(expect.arrayContaining([t.projectId, 'generic-client']));
  expect(data(await op('updateProject', { org_id: t.orgId, project_id: 'generic-client' }, { settings: { lighthouse_runs: 3 } })).settings).toEqual({ lighthouse_runs: 3 });

  // A scan of the defective page, followed to its end.
  const scan = data(await op('runScan', {}, { url: site.url, scanners: ['security', 'seo'] }));
  await until(async () => data(await op('getScan', { scan_id: scan.id })), (s) => s.status === 'completed');
  const stream = await op('streamScanEvents', { scan_id: scan.id });
  expect(stream.text).toMatch(/event: completed/);
  expect(data(await op('listScans')).map((s: any) => s.id)).toContain(scan.id);

  // A crawl of the same site (one page), followed to its end; another, cancelled at once.
  const crawl = data(await op('runCrawl', {}, { url: site.url, max_pages: 1, scanners: ['seo'] }));
  const crawled = await until(async () => data(await op('getCrawl', { crawl_id: crawl.id })), (c) => c.status === 'completed');
  expect(crawled.counts.scanned + crawled.counts.failed).toBe(1);
  expect(data(await op('listCrawlPages', { crawl_id: crawl.id })).length).toBe(crawled.counts.discovered);
  const listed = data(await op('listCrawls')).find((c: any) => c.id === crawl.id);
  expect(listed).toMatchObject({ id: crawl.id, status: 'completed', counts: crawled.counts });
  const cancelled = data(await op('runCrawl', {}, { url: site.url, max_pages: 1, scanners: ['seo'] }));
  await op('cancelCrawl', { crawl_id: cancelled.id });
  await until(async () => data(await op('getCrawl', { crawl_id: cancelled.id })), (c) => c.status === 'cancelled');

  // Findings: list, read, edit one, edit several.
  const findings = data(await op('listFindings', { per_page: 100 }));
  const xcto = findings.find((f: any) => f.check_id === 'security.content_type_options');
  expect(xcto).toBeDefined();
  const others = findings.filter((f: any) => f.id !== xcto.id);
  expect(others.length).toBeGreaterThan(1);
  expect(data(await op('getFinding', { finding_id: xcto.id })).id).toBe(xcto.id);
  expect(data(await op('editFinding', { finding_id: others[0].id }, { status: 'triaged' })).status).toBe('triaged');
  expect(data(await op('listFindingEvents', { finding_id: others[0].id })).map((e: any) => e.status)).toContain('triaged');
  await op('bulkEditFindings', {}, { ids: others.slice(0, 2).map((f: any) => f.id), severity: 'low' });

  // A webhook channel, and the policy: read, replace (exports routed to the webhook), simulate.
  const channel = data(await op('createChannel', {}, { type: 'webhook', name: 'generic-hook', config: { url: hook.url } }));
  expect(data(await op('listChannels')).map((c: any) => c.id)).toContain(channel.id);
  const policy = data(await op('getPolicy'));
  const config = { ...policy.config, alert_routing: { 'report.exported': ['generic-hook'] } };
  await op('replacePolicy', {}, { name: 'Through a generic client', config });
  await op('testPolicy', {}, { config });

  // A task for the header finding; the page is fixed; a verification passes and is approved, then reopened.
  const task = data(await op('createTask', {}, { finding_id: xcto.id, priority: 'high' }));
  await op('updateTask', { task_id: task.id }, { status: 'in_progress' });
  expect(data(await op('getTask', { task_id: task.id })).status).toBe('in_progress');
  expect(data(await op('listTasks')).map((x: any) => x.id)).toContain(task.id);
  site.fixed = true;
  const verification = data(await op('runVerification', {}, { task_id: task.id }));
  await until(async () => data(await op('getVerification', { verification_id: verification.id })), (v) => v.result !== 'pending');
  expect(data(await op('getVerification', { verification_id: verification.id })).result).toBe('passed');
  expect(data(await op('listVerifications')).map((v: any) => v.id)).toContain(verification.id);
  expect(data(await op('approveVerification', { verification_id: verification.id })).verified_at).not.toBeNull();
  expect(data(await op('reopenVerification', { verification_id: verification.id })).result).toBe('failed');

  // Reports: summary, an export followed to its file, its evidence, a share link and what it shows.
  await op('getReportSummary');
  await op('getCommandCenter');
  hook.script = [410]; // the first delivery is refused for good, so it can be retried below
  const report = data(await op('exportReport', {}, { format: 'json' }));
  const exported = await until(async () => data(await op('getReport', { report_id: report.id })), (r) => r.status !== 'queued' && r.status !== 'exporting');
  expect(exported.status).toBe('exported');
  expect(data(await op('listReports')).map((r: any) => r.id)).toContain(report.id);
  await op('getReportEvidence', { report_id: report.id });
  const exportToken = new URL(exported.snapshot.export_url).pathname.split('/').pop();
  const download = await op('downloadExport', { token: exportToken });
  expect(JSON.parse(download.text)).toBeDefined();
  const share = data(await op('shareReport', {}, { channel: 'link' }));
  const shareUrl: string = share.share_url;
  expect(shareUrl).toEqual(expect.stringContaining('/api/v1/shared/reports/'));
  await op('viewSharedReport', { token: new URL(shareUrl).pathname.split('/').pop() });

  // Notifications: the export's delivery failed (410), is retried, and arrives.
  const failed = await until(async () => data(await op('listDeliveries', { status: 'failed' })), (rows) => rows.length > 0);
  await op('retryDelivery', { delivery_id: failed[0].id });
  await until(async () => data(await op('listDeliveries', { status: 'delivered' })), (rows) => rows.some((d: any) => d.id === failed[0].id));
  expect(hook.requests.map((r) => JSON.parse(r.body).type)).toEqual(['report.exported', 'report.exported']);
  await op('deleteChannel', { channel_id: channel.id });

  // Integrations: the eight rows, GitHub connected (its local fake) and synced to its end.
  expect(data(await op('listIntegrations')).map((row: any) => row.provider)).toContain('github');
  await op('connectIntegration', { provider: 'github' }, { credentials: { token: 'ghp_genericClientToken1', owner: 'acme', repo: 'website' }, base_url: github.url });
  await op('syncIntegration', { provider: 'github' });
  const synced = await until(async () => data(await op('listIntegrations')).find((row: any) => row.provider === 'github'), (row) => row.status !== 'syncing');
  expect(synced.status).toBe('connected');

  // Site-auth: request headers for the site's origin, shown by name only, then removed.
  const auth = data(await op('putSiteAuth', {}, { headers: { 'X-Audit-Token': 'generic-client-token' } }));
  expect(auth).toMatchObject({ type: 'headers', origin: new URL(site.url).origin, headers: ['X-Audit-Token'] });
  expect(JSON.stringify(data(await op('getSiteAuth')))).not.toContain('generic-client-token');
  await op('deleteSiteAuth');

  // A schedule: created, listed, fired (Temporal's trigger, not a wait), read with its run, paused, deleted.
  const schedule = data(await op('createSchedule', {}, { url: site.url, every: '1h', scanners: ['security'] }));
  expect(data(await op('listSchedules')).map((s: any) => s.id)).toContain(schedule.id);
  await stack.temporal.client.schedule.getHandle(`schedule-${schedule.id}`).trigger();
  const fired = await until(async () => data(await op('getSchedule', { schedule_id: schedule.id })), (s) => s.recent_runs[0]?.scan_status === 'completed');
  expect(data(await op('getScan', { scan_id: fired.recent_runs[0].scan_id })).trigger).toBe('scheduled');
  expect(data(await op('updateSchedule', { schedule_id: schedule.id }, { paused: true })).paused).toBe(true);
  expect(data(await op('deleteSchedule', { schedule_id: schedule.id }))).toEqual({ id: schedule.id, deleted: true });

  // Nothing in the document went uncalled.
  expect([...operations.keys()].filter((id) => !called.has(id))).toEqual([]);
}, 240_000);
