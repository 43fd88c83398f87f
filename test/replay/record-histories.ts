/**
 * Records one Temporal history per path of every workflow type into test/fixtures/histories/,
 * for test/workflows/replay.test.ts to replay against the current workflow code (docs/deploy.md).
 *
 *   ./scripts/record-histories            # every scenario
 *   ./scripts/record-histories scan-      # only the scenarios whose name starts with "scan-"
 *   ./scripts/record-histories verification saga-v2   # …saved as verification-passed-saga-v2.json etc.
 *
 * It runs the real stack (test/support/stack.ts: API, both workers, a Temporal dev server, a
 * scratch PostgreSQL database, Debian's Chromium for Lighthouse, axe and PDFs) against the fixture
 * sites, the fake LLM, a fake PageSpeed Insights and a local SMTP server, all on 127.0.0.1, and
 * saves `handle.fetchHistory()` of each closed workflow as the CLI's JSON
 * (`temporal workflow show --output json`). Record with the code that is deployed, before changing
 * a workflow: the histories stand for the runs in flight during the next deploy.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { setProvider } from '../../src/ai/provider-settings.ts';
import { resolveInstanceSecret } from '../../src/platform/crypto.ts';
import { migrate } from '../../src/platform/migrate.ts';
import { activeSigningKey, rotateSigningKey, SigningKeyUnavailable } from '../../src/platform/signing.ts';
import { reportShareWorkflowId } from '../../src/reports/kickoff.ts';
import { integrationSyncWorkflowId } from '../../src/services/integrations.ts';
import { startFakeGitHub } from '../support/trackers/github.ts';
import { recordNotificationEvent } from '../../src/services/notification-outbox.ts';
import { startReceiver } from '../support/receivers.ts';
import { startFakeAnthropic, type FakeLlm } from '../support/fake-llm.ts';
import { historyToJson } from '../support/histories.ts';
import { startFixtureSite, type FixtureSite } from '../support/fixture-site.ts';
import { startCrawlSite } from '../support/crawl-site.ts';
import { startLoginSite } from '../support/login-site.ts';
import { call, eventually } from '../support/http.ts';
import { createScratchDatabase, dropDatabase } from '../support/scratch-database.ts';
import { startSmtp, type SmtpSink } from '../support/smtp.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { createTenant, type Tenant } from '../support/tenants.ts';

const OUT = resolve(__dirname, '../fixtures/histories');
const ANTHROPIC_KEY = `sk-ant-api03-${randomBytes(24).toString('base64url')}`;
// form-action too: a CSP verification passes only when no CSP check reports, the low ones included.
const STRICT_CSP = "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
const PAGE = '<!doctype html><html lang="en"><head><title>Verification fixture page</title></head><body><h1>Hello</h1></body></html>';
const FORMATS = ['json', 'csv', 'html', 'pdf', 'sarif'] as const;
const only = process.argv[2] ?? '';
/** A second argument names the code's version in the file names (e.g. saga-v2), keeping older histories. */
const suffix = process.argv[3] ? `-${process.argv[3]}` : '';
const recorded: Array<{ name: string; events: number }> = [];

function log(message: string) {
  process.stderr.write(`[record] ${message}\n`);
}

/** Saves the closed workflow's history. Stack traces (local paths) are dropped: replay never reads them. */
async function save(name: string, handle: WorkflowHandle): Promise<void> {
  await handle.result().catch(() => undefined);
  const history = historyToJson(await handle.fetchHistory());
  const scrubbed = JSON.parse(JSON.stringify(history), (key, value) => (key === 'stackTrace' ? '' : value));
  const [type] = name.split('-');
  const dir = join(OUT, type === 'report' || type === 'integration' ? name.split('-').slice(0, 2).join('-') : type!);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}${suffix}.json`), `${JSON.stringify(scrubbed, null, 1)}\n`);
  recorded.push({ name, events: scrubbed.events.length });
  log(`${name}: ${scrubbed.events.length} events`);
}

const wanted = (name: string) => name.startsWith(only);

async function scan(stack: Stack, t: Tenant, url: string, scanners: string[]): Promise<WorkflowHandle> {
  const started = await call('POST', `${t.audit}/scans/run`, { key: t.writeKey, body: { url, scanners } });
  if (started.status !== 202) throw new Error(`scan refused: ${started.status} ${started.text}`);
  const handle = stack.temporal.client.workflow.getHandle(started.body.data.workflow_id);
  await handle.result();
  return handle;
}

async function exportReport(stack: Stack, t: Tenant, format: string): Promise<WorkflowHandle> {
  const started = await call('POST', `${t.audit}/reports/export`, { key: t.writeKey, body: { format } });
  if (started.status !== 202) throw new Error(`export refused: ${started.status} ${started.text}`);
  return stack.temporal.client.workflow.getHandle(started.body.data.workflow_id);
}

async function usableSigningKey(stack: Stack) {
  const secret = resolveInstanceSecret(stack.config);
  await activeSigningKey(stack.db.prisma, secret).catch((err) => {
    if (!(err instanceof SigningKeyUnavailable)) throw err;
    return rotateSigningKey(stack.db.prisma, secret);
  });
}

/** A site whose headers each verification scenario sets. */
async function startHeaderSite(): Promise<{ url: string; set(headers: OutgoingHttpHeaders): void; hold(on: boolean): void; held(): number; close(): Promise<void> }> {
  let headers: OutgoingHttpHeaders = {};
  let holding = false;
  const held: ServerResponse[] = [];
  const server: Server = createServer((_req, res) => {
    // Held: the answer never comes, so a check is mid-fetch when the workflow is cancelled.
    if (holding) return void held.push(res);
    res.writeHead(200, { 'content-type': 'text/html', ...headers }).end(PAGE);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    set: (next) => void (headers = next),
    held: () => held.length,
    hold: (on) => {
      holding = on;
      if (!on) held.splice(0).forEach((res) => res.destroy());
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    },
  };
}

/** A PageSpeed Insights that is down: every request answers 500. */
async function startBrokenPageSpeed(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((_req, res) => res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"backend error"}}'));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/pagespeedonline/v5/runPagespeed`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    },
  };
}

/** A tenant with a scanned site and a task on its "CSP missing" finding in ready_verify. */
async function taskOnMissingCsp(stack: Stack, siteUrl: string): Promise<{ t: Tenant; taskId: string }> {
  const t = await createTenant(stack.db.prisma, stack.baseUrl);
  await scan(stack, t, siteUrl, ['security']);
  const findings = await call('GET', `${t.audit}/findings?domain=security`, { key: t.readKey });
  const finding = findings.body.data.find((f: any) => f.check_id === 'security.csp_missing');
  const task = await call('POST', `${t.audit}/tasks`, { key: t.writeKey, body: { finding_id: finding.id } });
  for (const status of ['in_progress', 'ready_verify']) {
    await call('PATCH', `${t.audit}/tasks/${task.body.data.id}`, { key: t.writeKey, body: { status } });
  }
  return { t, taskId: task.body.data.id };
}

async function verify(stack: Stack, t: Tenant, taskId: string) {
  const started = await call('POST', `${t.audit}/verifications/run`, { key: t.writeKey, body: { task_id: taskId } });
  if (started.status !== 202) throw new Error(`verification refused: ${started.status} ${started.text}`);
  const done = await eventually(
    () => call('GET', `${t.audit}/verifications/${started.body.data.id}`, { key: t.readKey }),
    (r) => r.body.data.result !== 'pending',
    60_000,
  );
  return { id: done.body.data.id as string, result: done.body.data.result as string, handle: stack.temporal.client.workflow.getHandle(done.body.data.workflow_id) };
}

async function decide(t: Tenant, id: string, decision: 'approve' | 'reopen') {
  const res = await call('POST', `${t.audit}/verifications/${id}/${decision}`, { key: t.writeKey });
  if (res.status !== 200) throw new Error(`${decision} refused: ${res.status} ${res.text}`);
}

/** Stack A: local Lighthouse, the fake Anthropic as AI provider, working storage and SMTP. */
async function recordMain(databaseUrl: string, site: FixtureSite, anthropic: FakeLlm, smtp: SmtpSink, storageDir: string) {
  const headerSite = await startHeaderSite();
  const stack = await startStack({
    DATABASE_URL: databaseUrl,
    SITEWARDEN_SECRET: randomBytes(32).toString('base64url'),
    VERIFICATION_DECISION_WINDOW_SECONDS: '3',
    STORAGE_DIR: storageDir,
    SMTP_URL: smtp.url,
    // Links in the shared report's e-mail; never followed here.
    PUBLIC_BASE_URL: 'http://127.0.0.1:3000',
    AI_QUOTA_UNITS: '1000',
  });
  try {
    await setProvider(stack.db.prisma, stack.config, { provider: 'anthropic', apiKey: ANTHROPIC_KEY, baseUrl: anthropic.baseUrl });
    await usableSigningKey(stack);
    const t = await createTenant(stack.db.prisma, stack.baseUrl);

    if (wanted('scan-full')) {
      // All four scanners (Lighthouse and axe in Chromium), and the model's analysis.
      await save('scan-full-ai-done', await scan(stack, t, site.defectsUrl, ['security', 'seo', 'accessibility', 'performance']));
    }
    if (wanted('scan-ai-failed')) {
      anthropic.always('server_error');
      const other = await createTenant(stack.db.prisma, stack.baseUrl);
      await save('scan-ai-failed', await scan(stack, other, site.defectsUrl, ['security']));
      anthropic.reset();
    }
    if (wanted('scan-cancelled')) {
      // Cancelled mid-fetch: the workflow-wide failure path (patched 'scan-failure-path') closes the
      // run as failed and releases what the scan held. The page is held until then: the fetch runs
      // in an activity, or, in a light scan since scan-light-local, in a local activity, which the
      // server does not list (the cancel reaches it with the workflow task's next heartbeat, ≤ 8 s).
      const other = await createTenant(stack.db.prisma, stack.baseUrl);
      headerSite.hold(true);
      try {
        const started = await call('POST', `${other.audit}/scans/run`, { key: other.writeKey, body: { url: `${headerSite.url}?cancelled`, scanners: ['security'] } });
        if (started.status !== 202) throw new Error(`scan refused: ${started.status} ${started.text}`);
        const handle = stack.temporal.client.workflow.getHandle(started.body.data.workflow_id);
        await eventually(async () => headerSite.held(), (n) => n > 0, 30_000);
        await handle.cancel();
        await save('scan-cancelled', handle);
      } finally {
        headerSite.hold(false);
      }
    }
    if (wanted('scan-ai-skipped')) {
      const other = await createTenant(stack.db.prisma, stack.baseUrl);
      await save('scan-ai-skipped', await scan(stack, other, site.cleanUrl, ['security', 'seo']));
    }
    if (wanted('scan-page-unavailable')) {
      const other = await createTenant(stack.db.prisma, stack.baseUrl);
      await save('scan-page-unavailable', await scan(stack, other, site.missingUrl, ['security', 'seo']));
    }
    if (wanted('scan-site-login')) {
      // A site-auth login recipe (docs/site-auth.md): the capture signs in on the browser queue;
      // then one whose success check is not met, which fails every slot with the login's reason.
      const login = await startLoginSite();
      try {
        const recipe = { url: login.loginUrl, fields: { '#user': login.credentials.user, '#pass': login.credentials.password }, submit: '#go', success: { url: login.membersUrl } };
        const signedIn = await createTenant(stack.db.prisma, stack.baseUrl);
        await call('PUT', `${signedIn.audit}/site-auth`, { key: signedIn.writeKey, body: { login: recipe } });
        await save('scan-site-login', await scan(stack, signedIn, login.entryUrl, ['security', 'seo', 'accessibility']));
        const refused = await createTenant(stack.db.prisma, stack.baseUrl);
        await call('PUT', `${refused.audit}/site-auth`, { key: refused.writeKey, body: { login: { ...recipe, fields: { '#user': 'nobody', '#pass': 'wrong' } } } });
        await save('scan-site-login-failed', await scan(stack, refused, login.entryUrl, ['security', 'seo']));
      } finally {
        await login.close();
      }
    }

    if (wanted('verification')) {
      headerSite.set({});
      const failed = await taskOnMissingCsp(stack, headerSite.url);
      const v1 = await verify(stack, failed.t, failed.taskId);
      if (v1.result !== 'failed') throw new Error(`expected a failed verification, got ${v1.result}`);
      await save('verification-failed', v1.handle);

      const passed = await taskOnMissingCsp(stack, headerSite.url);
      headerSite.set({ 'content-security-policy': STRICT_CSP });
      const v2 = await verify(stack, passed.t, passed.taskId);
      if (v2.result !== 'passed') throw new Error(`expected a passed verification, got ${v2.result}`);
      await save('verification-passed', v2.handle);
      // The window has passed: the decision starts the workflow again (signal-with-start).
      await decide(passed.t, v2.id, 'approve');
      await save('verification-decision-after-window', v2.handle);

      headerSite.set({});
      const approve = await taskOnMissingCsp(stack, headerSite.url);
      headerSite.set({ 'content-security-policy': STRICT_CSP });
      const v3 = await verify(stack, approve.t, approve.taskId);
      await decide(approve.t, v3.id, 'approve');
      await save('verification-approve', v3.handle);

      headerSite.set({});
      const reopen = await taskOnMissingCsp(stack, headerSite.url);
      headerSite.set({ 'content-security-policy': STRICT_CSP });
      const v4 = await verify(stack, reopen.t, reopen.taskId);
      await decide(reopen.t, v4.id, 'approve');
      await decide(reopen.t, v4.id, 'reopen');
      await save('verification-reopen', v4.handle);
    }

    if (wanted('verification-cancelled')) {
      // Cancelled mid-evaluation: the saga's failure path fails the run and refunds its unit.
      headerSite.set({});
      const cancelled = await taskOnMissingCsp(stack, headerSite.url);
      headerSite.hold(true);
      const started = await call('POST', `${cancelled.t.audit}/verifications/run`, { key: cancelled.t.writeKey, body: { task_id: cancelled.taskId } });
      if (started.status !== 202) throw new Error(`verification refused: ${started.status} ${started.text}`);
      const handle = stack.temporal.client.workflow.getHandle(started.body.data.workflow_id);
      try {
        // The evaluation is a local activity (not in describe()'s pending list): the held request shows it runs.
        await eventually(async () => headerSite.held(), (n) => n > 0, 30_000);
        if (!headerSite.held()) throw new Error('the verification never fetched the page');
        await handle.cancel();
        await save('verification-cancelled', handle);
      } finally {
        headerSite.hold(false);
      }
    }

    if (wanted('report-export')) {
      if (!(await stack.db.prisma.finding.count({ where: { org_id: t.orgId } }))) await scan(stack, t, site.defectsUrl, ['security', 'seo']);
      for (const format of FORMATS) await save(`report-export-${format}`, await exportReport(stack, t, format));
    }
    if (wanted('report-share')) {
      const email = await call('POST', `${t.audit}/reports/share`, { key: t.writeKey, body: { channel: 'email', recipients: ['ops@example.com'] } });
      if (email.status !== 200) throw new Error(`share refused: ${email.status} ${email.text}`);
      await save('report-share-delivered', stack.temporal.client.workflow.getHandle(reportShareWorkflowId(email.body.data.delivery.id)));
      const gone = await startWebhookThatIsGone();
      try {
        const slack = await call('POST', `${t.audit}/reports/share`, { key: t.writeKey, body: { channel: 'slack', webhook_url: gone.url } });
        if (slack.status !== 200) throw new Error(`share refused: ${slack.status} ${slack.text}`);
        await save('report-share-failed', stack.temporal.client.workflow.getHandle(reportShareWorkflowId(slack.body.data.delivery.id)));
      } finally {
        await gone.close();
      }
    }
  } finally {
    await stack.close();
    await headerSite.close();
  }
}

/** A revoked Slack webhook: 404, a permanent failure. */
async function startWebhookThatIsGone(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((_req, res) => res.writeHead(404).end('no_service'));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/gone`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    },
  };
}

/** Stack B: a PageSpeed Insights that answers 500 and storage that refuses every write. */
async function recordFailures(databaseUrl: string, site: FixtureSite, work: string) {
  const pagespeed = await startBrokenPageSpeed();
  const notADirectory = join(work, 'not-a-directory');
  writeFileSync(notADirectory, 'a file where the storage directory should be\n');
  const stack = await startStack({
    DATABASE_URL: databaseUrl,
    SITEWARDEN_SECRET: randomBytes(32).toString('base64url'),
    PAGESPEED_API_URL: pagespeed.url,
    STORAGE_DIR: join(notADirectory, 'storage'),
  });
  try {
    const t = await createTenant(stack.db.prisma, stack.baseUrl);
    if (wanted('scan-partial-failure')) {
      // Performance fails after its retries (PageSpeed down); security and SEO complete.
      await save('scan-partial-failure', await scan(stack, t, site.defectsUrl, ['security', 'seo', 'performance']));
    }
    if (wanted('report-export-failed')) {
      await usableSigningKey(stack);
      await save('report-export-failed', await exportReport(stack, t, 'json'));
    }
  } finally {
    await stack.close();
    await pagespeed.close();
  }
}

/**
 * Stack C: IntegrationSyncWorkflow against a fake GitHub. A first sync (tickets created), a
 * re-sync (one updated, one closed, one unchanged), a sync that reopens the ticket of a reopened
 * task, one whose create answer is lost (the batch retried, the ticket adopted), and a sync the
 * tracker refuses (error path).
 */
async function recordIntegrations(databaseUrl: string) {
  if (!wanted('integration-sync')) return;
  const token = `ghp_${randomBytes(12).toString('hex')}`;
  const github = await startFakeGitHub({ token, owner: 'acme', repo: 'website' });
  const stack = await startStack({ DATABASE_URL: databaseUrl, SITEWARDEN_SECRET: randomBytes(32).toString('base64url') });
  try {
    const t = await createTenant(stack.db.prisma, stack.baseUrl);
    const connected = await call('POST', `${t.audit}/integrations/github/connect`, { key: t.writeKey, body: { credentials: { token, owner: 'acme', repo: 'website' }, base_url: github.url } });
    if (connected.status !== 200) throw new Error(`connect refused: ${connected.status} ${connected.text}`);
    const handle = () => stack.temporal.client.workflow.getHandle(integrationSyncWorkflowId(connected.body.data.id));
    const sync = async () => {
      const res = await call('POST', `${t.audit}/integrations/github/sync`, { key: t.writeKey });
      if (res.status !== 202) throw new Error(`sync refused: ${res.status} ${res.text}`);
      await handle().result();
    };
    const taskIds: string[] = [];
    for (const i of [1, 2, 3]) {
      const finding = await stack.db.prisma.finding.create({
        data: { org_id: t.orgId, project_id: t.projectId, domain: 'security', check_id: `security.example_${i}`, title: `Recorded finding ${i}`, severity: 'high' },
      });
      const task = await call('POST', `${t.audit}/tasks`, { key: t.writeKey, body: { finding_id: finding.id } });
      taskIds.push(task.body.data.id);
    }
    await sync();
    if (wanted('integration-sync-connected')) await save('integration-sync-connected', handle());
    await stack.db.prisma.task.update({ where: { id: taskIds[0] }, data: { status: 'done' } });
    await call('PATCH', `${t.audit}/tasks/${taskIds[1]}`, { key: t.writeKey, body: { title: 'Renamed' } });
    await sync();
    if (wanted('integration-sync-resync')) await save('integration-sync-resync', handle());
    // Reopened (as reopenVerification leaves it): the closed ticket opens again.
    await stack.db.prisma.task.update({ where: { id: taskIds[0] }, data: { status: 'in_progress' } });
    await sync();
    if (wanted('integration-sync-reopen')) await save('integration-sync-reopen', handle());
    // A new task whose create answer is lost: the batch fails once, its retry adopts the ticket.
    const finding = await stack.db.prisma.finding.create({
      data: { org_id: t.orgId, project_id: t.projectId, domain: 'security', check_id: 'security.example_4', title: 'Recorded finding 4', severity: 'high' },
    });
    await call('POST', `${t.audit}/tasks`, { key: t.writeKey, body: { finding_id: finding.id } });
    github.loseNextAnswer((req) => req.method === 'POST' && req.path.endsWith('/issues'));
    await sync();
    if (github.tickets.length !== 4) throw new Error(`expected 4 tickets after the lost answer, found ${github.tickets.length}`);
    if (wanted('integration-sync-adopted')) await save('integration-sync-adopted', handle());
    github.failNext(1_000, 401);
    await call('PATCH', `${t.audit}/tasks/${taskIds[2]}`, { key: t.writeKey, body: { title: 'Renamed too' } });
    await sync();
    if (wanted('integration-sync-error')) await save('integration-sync-error', handle());
  } finally {
    await stack.close();
    await github.close();
  }
}

/** Stack C: the outbox relay and a NotificationWorkflow per event, against local receivers. */
async function recordNotifications(databaseUrl: string) {
  if (!wanted('notification')) return;
  const stack = await startStack({ DATABASE_URL: databaseUrl, NOTIFY_RETRY_INITIAL_MS: '100', NOTIFY_DISPATCH_POLL_MS: '200' }, { dispatcher: true });
  const [hook, slack] = await Promise.all([startReceiver('webhook'), startReceiver('slack')]);
  try {
    const t = await createTenant(stack.db.prisma, stack.baseUrl);
    for (const [type, name, config] of [
      ['webhook', 'hook', { url: hook.url }],
      ['slack', 'slack', { webhook_url: slack.url }],
    ] as const) {
      const res = await call('POST', `${t.audit}/channels`, { key: t.writeKey, body: { type, name, config } });
      if (res.status !== 201) throw new Error(`channel refused: ${res.status} ${res.text}`);
    }
    await call('PUT', `${t.audit}/policies/current`, { key: t.writeKey, body: { name: 'notify', config: { alert_routing: { 'verification.failed': ['webhook', 'slack'] } } } });
    const emit = () =>
      stack.db.prisma.$transaction((tx) =>
        recordNotificationEvent(tx, { orgId: t.orgId, projectId: t.projectId, type: 'verification.failed', data: { verification_id: randomUUID(), result: 'failed', cause: 'evaluated' } }),
      );
    const settled = async (eventId: string) => {
      const handle = stack.temporal.client.workflow.getHandle(`notification-${eventId}`);
      await eventually(() => handle.describe().then((d) => d.status.name, () => 'NOT_FOUND'), (status) => status === 'COMPLETED', 60_000);
      return handle;
    };
    // The webhook answers 500 once (a retry with backoff), Slack at once: both delivered.
    hook.script = [500];
    await save('notification-delivered', await settled(await emit()));
    // A revoked Slack hook (404, permanent) and a webhook that refuses (410): both failed.
    hook.script = [410];
    slack.script = [404];
    await save('notification-failed', await settled(await emit()));
  } finally {
    await stack.close();
    await Promise.all([hook.close(), slack.close()]);
  }
}

/**
 * Stack D: SiteCrawlWorkflow on the crawl fixture site, five pages a run so it continues as new;
 * then, on the fixture with a members area, a crawl with a site-auth login recipe (patch
 * crawl-site-login: each run signs in on the browser queue) and one whose login fails.
 */
async function recordCrawls(databaseUrl: string) {
  // The group runs for `crawl` and for any one of its scenarios (`crawl-site-login`).
  if (!wanted('crawl') && !only.startsWith('crawl')) return;
  const stack = await startStack({ DATABASE_URL: databaseUrl, CRAWL_PAGES_PER_RUN: '5', CRAWL_REQUEST_INTERVAL_MS: '0', CRAWL_CONCURRENCY: '2' });
  const site = await startCrawlSite({ pages: 12, delayMs: 200 });
  try {
    const t = await createTenant(stack.db.prisma, stack.baseUrl);
    const crawl = async (maxPages: number) => {
      const started = await call('POST', `${t.audit}/crawls/run`, { key: t.writeKey, body: { url: site.startUrl, max_pages: maxPages, scanners: ['seo'] } });
      if (started.status !== 202) throw new Error(`crawl refused: ${started.status} ${started.text}`);
      return { id: started.body.data.id as string, handle: stack.temporal.client.workflow.getHandle(started.body.data.workflow_id) };
    };
    if (wanted('crawl-completed') || wanted('crawl-continued')) {
      // Eight pages at five a run: the first run continues as new, the second completes.
      const { handle } = await crawl(8);
      await handle.result();
      const last = await handle.fetchHistory();
      const firstRunId = last.events?.[0]?.workflowExecutionStartedEventAttributes?.firstExecutionRunId ?? undefined;
      if (wanted('crawl-continued') && firstRunId) await save('crawl-continued', stack.temporal.client.workflow.getHandle(handle.workflowId, firstRunId));
      if (wanted('crawl-completed')) await save('crawl-completed', handle);
    }
    if (wanted('crawl-cancelled')) {
      const { id, handle } = await crawl(100);
      await eventually(() => stack.db.prisma.crawlPage.count({ where: { crawl_id: id, status: 'scanning' } }), (n) => n >= 1, 60_000);
      const res = await call('POST', `${t.audit}/crawls/${id}/cancel`, { key: t.writeKey });
      if (res.status !== 202) throw new Error(`cancel refused: ${res.status} ${res.text}`);
      await save('crawl-cancelled', handle);
    }
    if (wanted('crawl-site-login')) {
      const members = await startCrawlSite({ pages: 3, members: true });
      try {
        const { credentials, loginUrl } = members.members!;
        const recipe = (password: string) => ({ login: { url: loginUrl, fields: { '#user': credentials.user, '#pass': password }, submit: '#go', success: { url: `${members.origin}/members` } } });
        const crawlAs = async (password: string, maxPages: number) => {
          const signedIn = await createTenant(stack.db.prisma, stack.baseUrl);
          const put = await call('PUT', `${signedIn.audit}/site-auth`, { key: signedIn.writeKey, body: recipe(password) });
          if (put.status !== 200) throw new Error(`site-auth refused: ${put.status} ${put.text}`);
          const started = await call('POST', `${signedIn.audit}/crawls/run`, { key: signedIn.writeKey, body: { url: members.startUrl, max_pages: maxPages, scanners: ['seo'] } });
          if (started.status !== 202) throw new Error(`crawl refused: ${started.status} ${started.text}`);
          return stack.temporal.client.workflow.getHandle(started.body.data.workflow_id);
        };
        if (wanted('crawl-site-login-continued') || wanted('crawl-site-login-completed')) {
          // Eight pages at five a run: the first run signs in, seeds signed in and continues as
          // new; the second signs in again and completes.
          const handle = await crawlAs(credentials.password, 8);
          await handle.result();
          const last = await handle.fetchHistory();
          const firstRunId = last.events?.[0]?.workflowExecutionStartedEventAttributes?.firstExecutionRunId ?? undefined;
          if (!members.membersAuthorized.length) throw new Error('the crawl never reached the members area');
          if (wanted('crawl-site-login-continued') && firstRunId) await save('crawl-site-login-continued', stack.temporal.client.workflow.getHandle(handle.workflowId, firstRunId));
          if (wanted('crawl-site-login-completed')) await save('crawl-site-login-completed', handle);
        }
        if (wanted('crawl-site-login-failed')) await save('crawl-site-login-failed', await crawlAs('wrong-password-123', 8));
      } finally {
        await members.close();
      }
    }
  } finally {
    await stack.close();
    await site.close();
  }
}

/** Stack D: schedules, each fired by Temporal's trigger; the firing's ScheduledAuditWorkflow is saved. */
async function recordSchedules(databaseUrl: string, site: FixtureSite) {
  // The group runs for `scheduled` and for any one of its scenarios (`scheduled-audit-crawl`).
  if (!wanted('scheduled') && !only.startsWith('scheduled')) return;
  const stack = await startStack({ DATABASE_URL: databaseUrl });
  try {
    const t = await createTenant(stack.db.prisma, stack.baseUrl);
    const fired = async (body: Record<string, unknown>): Promise<WorkflowHandle> => {
      const res = await call('POST', `${t.audit}/schedules`, { key: t.writeKey, body: { url: site.defectsUrl, every: '1h', ...body } });
      if (res.status !== 201) throw new Error(`schedule refused: ${res.status} ${res.text}`);
      const schedule = stack.temporal.client.schedule.getHandle(`schedule-${res.body.data.id}`);
      await schedule.trigger();
      const described = await eventually(() => schedule.describe(), (d) => d.info.recentActions.length > 0, 30_000);
      const action = described.info.recentActions[0];
      if (!action) throw new Error('the schedule did not fire');
      return stack.temporal.client.workflow.getHandle(action.action.workflow.workflowId);
    };
    // Started, then waiting (one-second looks) for its scan to end.
    if (wanted('scheduled-audit-scan')) await save('scheduled-audit-scan', await fired({ scanners: ['security', 'seo'] }));
    // A crawl schedule: its crawl started (through the kickoff, trigger scheduled), then waited for to its end.
    if (wanted('scheduled-audit-crawl')) await save('scheduled-audit-crawl', await fired({ crawl: { max_pages: 10 } }));
    // A firing whose schedule is gone: nothing started.
    if (wanted('scheduled-audit-deleted')) {
      const handle = await stack.temporal.client.workflow.start('ScheduledAuditWorkflow', {
        taskQueue: stack.config.TEMPORAL_TASK_QUEUE,
        workflowId: `scheduled-${randomUUID()}-deleted`,
        args: [{ scheduleId: randomUUID() }],
      });
      await save('scheduled-audit-deleted', handle);
    }
  } finally {
    await stack.close();
  }
}

async function main() {
  if (!process.env.TEMPORAL_CLI) throw new Error('run it through ./scripts/record-histories (TEMPORAL_CLI, CHROME_PATH, DATABASE_URL)');
  const work = mkdtempSync(join(tmpdir(), 'sitewarden-record-'));
  const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows/index.ts'), logger: silentLogger });
  const bundlePath = join(work, 'workflows.js');
  writeFileSync(bundlePath, bundle.code);
  process.env.SITEWARDEN_TEST_WORKFLOW_BUNDLE = bundlePath;

  const databaseUrl = await createScratchDatabase();
  const [site, anthropic, smtp] = await Promise.all([startFixtureSite(), startFakeAnthropic({ apiKey: ANTHROPIC_KEY }), startSmtp()]);
  try {
    await migrate(databaseUrl);
    await recordIntegrations(databaseUrl);
    await recordMain(databaseUrl, site, anthropic, smtp, join(work, 'storage'));
    await recordFailures(databaseUrl, site, work);
    await recordNotifications(databaseUrl);
    await recordCrawls(databaseUrl);
    await recordSchedules(databaseUrl, site);
  } finally {
    await Promise.all([site.close(), anthropic.close(), smtp.close()]);
    await dropDatabase(databaseUrl);
    rmSync(work, { recursive: true, force: true });
  }
  log(`recorded ${recorded.length} histories into ${OUT}`);
}

const silentLogger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
