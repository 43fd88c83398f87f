import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { temporal } from '@temporalio/proto';
import { createScanRunActivities } from '../../src/activities/scan-runs.ts';
import { originAuthForRun } from '../../src/activities/site-auth.ts';
import { credentialHeadersFor } from '../../src/domain/site-auth.ts';
import { resolveInstanceSecret } from '../../src/platform/crypto.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { crawlSessionOwner, sealSession } from '../../src/services/site-auth.ts';
import { CRAWL_PATCHES } from '../../src/workflows/site-crawl.ts';
import { CRAWLER_USER_AGENT } from '../../src/gather/crawl-discovery.ts';
import { historyText } from '../support/histories.ts';
import { captureProcessOutput } from '../support/output-capture.ts';
import { call, eventually, type ApiResponse } from '../support/http.ts';
import { startCrawlSite, type CrawlSite } from '../support/crawl-site.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { createTenant, type Tenant } from '../support/tenants.ts';

/**
 * A crawl of a site with a protected area (docs/crawls.md, "A site behind a login"): the crawl's
 * own fetches carry the project's site-auth (headers, cookies, or the session of its own sign-in
 * with a login recipe, once per workflow run), so the members pages are discovered and scanned,
 * once each; without it they redirect to the login page and are never scanned; a login recipe
 * that does not sign in fails the crawl with the reason. No credential, password or session
 * enters an API answer, a log line or the crawl's workflow histories (nor its page scans').
 */

let stack: Stack;
let site: CrawlSite;
const logs: string[] = [];
const answers: string[] = [];
/** Every crawl of this file, for the final search of their histories. */
const crawlIds: string[] = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  // Five pages a run (the least allowed): a crawl continues as new, so its sign-in per run shows.
  [stack, site] = await Promise.all([
    startStack({ CRAWL_REQUEST_INTERVAL_MS: '0', CRAWL_CONCURRENCY: '4', CRAWL_PAGES_PER_RUN: '5' }, { logger: createLogger('debug', 'api', sink) }),
    startCrawlSite({ pages: 2, members: true }),
  ]);
  // The worker's and the SDK's own output (Temporal's default logger, console): searched too.
  captureProcessOutput(logs);
}, 60_000);
afterAll(async () => {
  jest.restoreAllMocks();
  await stack?.close();
  await site?.close();
});

const closed = (status: string) => ['completed', 'failed', 'cancelled'].includes(status);

/** Every API answer of this file is kept, to search them for the credentials at the end. */
async function api(method: string, url: string, options: Parameters<typeof call>[2] = {}): Promise<ApiResponse> {
  const response = await call(method, url, options);
  answers.push(response.text);
  return response;
}

type Page = { url: string; status: string; skip_reason: string | null; scan_id: string | null };

async function crawlToEnd(t: Tenant, expected = 'completed', options: Record<string, unknown> = {}) {
  const started = await api('POST', `${t.audit}/crawls/run`, { key: t.writeKey, body: { url: site.startUrl, max_pages: 40, scanners: ['seo'], ...options } });
  expect(started.status).toBe(202);
  const id: string = started.body.data.id;
  crawlIds.push(id);
  const done = await eventually(() => api('GET', `${t.audit}/crawls/${id}`, { key: t.readKey }), (res) => closed(res.body.data.status), 240_000);
  expect(done.body.data.status).toBe(expected);
  const pages = await api('GET', `${t.audit}/crawls/${id}/pages?limit=100`, { key: t.readKey });
  expect(pages.status).toBe(200);
  return { crawl: done.body.data, pages: pages.body.data as Page[] };
}

const membersUrls = () => site.members!.pages.map((p) => `${site.origin}${p}`);

type History = temporal.api.history.v1.IHistory;

/** Every run of a workflow, first to last: each run's start names the run it continued. */
async function runsOf(workflowId: string): Promise<History[]> {
  const runs: History[] = [];
  let runId: string | undefined;
  for (;;) {
    const history = await stack.temporal.client.workflow.getHandle(workflowId, runId).fetchHistory();
    runs.unshift(history);
    runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId ?? undefined;
    if (!runId) return runs;
  }
}

/** The crawl's workflow histories (every run) and its page scans' histories, as text. */
async function histories(crawlId: string, scanIds: string[]): Promise<string> {
  const crawl = await stack.db.prisma.crawl.findUniqueOrThrow({ where: { id: crawlId }, select: { workflow_id: true } });
  const runs = await stack.db.prisma.scanRun.findMany({ where: { id: { in: scanIds } }, select: { workflow_id: true } });
  const texts: string[] = (await runsOf(crawl.workflow_id)).map(historyText);
  for (const { workflow_id } of runs) {
    if (!workflow_id) continue;
    texts.push(historyText(await stack.temporal.client.workflow.getHandle(workflow_id).fetchHistory()));
  }
  expect(texts.length).toBeGreaterThanOrEqual(runs.length + 1);
  return texts.join('\n');
}

/** The activities a history scheduled, by type. */
const activitiesOf = (history: History, type: string) => (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === type);
/** The crawl-site-login patch markers a history holds. */
const patchMarkers = (history: History) =>
  (history.events ?? []).filter((e) => {
    const marker = e.markerRecordedEventAttributes;
    const data = marker?.markerName === 'core_patch' ? marker.details?.['patch-data']?.payloads?.[0]?.data : undefined;
    return data ? (JSON.parse(Buffer.from(data).toString('utf8')) as { id: string }).id === CRAWL_PATCHES.siteLogin : false;
  }).length;

it('without site-auth the members area redirects to the login page: never scanned; no sign-in, no patch marker', async () => {
  const t = await createTenant(stack.db.prisma, stack.baseUrl);
  const authorizedBefore = site.membersAuthorized.length;
  const { crawl, pages } = await crawlToEnd(t);
  const members = pages.find((p) => p.url === `${site.origin}/members`);
  expect(members).toMatchObject({ status: 'skipped', skip_reason: 'redirect' });
  expect(pages.some((p) => p.url === `${site.origin}/members/report`)).toBe(false);
  expect(pages.filter((p) => p.status === 'scanned').some((p) => p.url.startsWith(`${site.origin}/members`))).toBe(false);
  // The login page it redirects to is what the crawl found instead.
  expect(pages.some((p) => p.url.startsWith(`${site.origin}/login`) && p.status === 'scanned')).toBe(true);
  expect(site.membersAuthorized.length).toBe(authorizedBefore);
  // No login recipe: the runs keep the old commands (the plan's flag is read before patched()).
  const runs = await runsOf(crawl.workflow_id);
  expect(runs.length).toBeGreaterThan(1);
  for (const run of runs) {
    expect(activitiesOf(run, 'signInCrawl')).toHaveLength(0);
    expect(activitiesOf(run, 'openCrawl')).toHaveLength(1);
    expect(patchMarkers(run)).toBe(0);
  }
}, 250_000);

it.each([
  ['headers', () => ({ origin: site.origin, headers: { [site.members!.header.name]: site.members!.header.value } }), () => site.members!.header.value],
  ['cookies', () => ({ origin: site.origin, cookies: [{ name: site.members!.cookie.name, value: site.members!.cookie.value }] }), () => site.members!.cookie.value],
])('with site-auth (%s) the members pages are discovered and scanned exactly once; the credential is in no history', async (_form, body, credential) => {
  const t = await createTenant(stack.db.prisma, stack.baseUrl);
  const put = await api('PUT', `${t.audit}/site-auth`, { key: t.writeKey, body: body() });
  expect(put.status).toBe(200);
  const { crawl, pages } = await crawlToEnd(t);
  const scanned = pages.filter((p) => p.status === 'scanned');
  for (const url of membersUrls()) expect(scanned.filter((p) => p.url === url)).toHaveLength(1);
  // Signed in throughout: no visit was sent to the login page.
  expect(pages.some((p) => p.url.startsWith(`${site.origin}/login`))).toBe(false);
  const runs = await stack.db.prisma.scanRun.findMany({ where: { org_id: t.orgId, url: { in: membersUrls() } }, select: { url: true, status: true } });
  expect(runs.map((r) => r.url).sort()).toEqual(membersUrls().sort());
  expect(runs.every((r) => r.status === 'completed')).toBe(true);
  const text = await histories(crawl.id, scanned.map((p) => p.scan_id!));
  expect(text).toContain(crawl.id);
  expect(text.includes(credential())).toBe(false);
  expect(JSON.stringify(crawl).includes(credential())).toBe(false);
}, 250_000);

/** A login recipe for the fixture's form; `password` wrong for a login that does not sign in. */
const recipe = (password = site.members!.credentials.password) => ({
  login: { url: site.members!.loginUrl, fields: { '#user': site.members!.credentials.user, '#pass': password }, submit: '#go', success: { url: `${site.origin}/members` } },
});

it('with a login recipe the crawl signs in once per workflow run: the members pages are discovered signed in and scanned, once each', async () => {
  const t = await createTenant(stack.db.prisma, stack.baseUrl);
  expect((await api('PUT', `${t.audit}/site-auth`, { key: t.writeKey, body: recipe() })).status).toBe(200);
  const loginsBefore = site.logins.filter((l) => l.ok).length;
  const crawlerSeenBefore = site.membersAuthorizedBy.filter((h) => h.userAgent === CRAWLER_USER_AGENT).length;
  const scannerSeenFrom = site.membersAuthorizedBy.length;
  // The start page and the members area only (ten visits: two runs at least): the page scans use
  // the crawl's session, no sign-in of their own.
  const { crawl, pages } = await crawlToEnd(t, 'completed', { include: ['/members', '/members/**'] });

  const scanned = pages.filter((p) => p.status === 'scanned');
  expect(scanned.map((p) => p.url).sort()).toEqual([site.startUrl, ...membersUrls()].sort());
  for (const url of membersUrls()) expect(scanned.filter((p) => p.url === url)).toHaveLength(1);
  // /members/report is linked from /members only: found by the crawl's own signed-in visit.
  const crawlerSeen = site.membersAuthorizedBy.slice(0).filter((h) => h.userAgent === CRAWLER_USER_AGENT).length - crawlerSeenBefore;
  expect(crawlerSeen).toBeGreaterThanOrEqual(2);
  expect(pages.some((p) => p.url.startsWith(`${site.origin}/login`))).toBe(false);
  const runs = await stack.db.prisma.scanRun.findMany({ where: { org_id: t.orgId, url: { in: membersUrls() } }, select: { url: true, status: true } });
  expect(runs.map((r) => r.url).sort()).toEqual(membersUrls().sort());
  expect(runs.every((r) => r.status === 'completed')).toBe(true);

  // Once per workflow run, behind the patch: five pages a run, so the crawl continued as new.
  const workflowRuns = await runsOf(crawl.workflow_id);
  expect(workflowRuns.length).toBeGreaterThan(1);
  const signIns = workflowRuns.map((run) => activitiesOf(run, 'signInCrawl'));
  expect(signIns.map((s) => s.length)).toEqual(workflowRuns.map(() => 1));
  for (const run of workflowRuns) expect(patchMarkers(run)).toBe(1);
  for (const [i, run] of workflowRuns.entries()) {
    // On the browser queue; the first run opens the crawl again after it (the seeding, signed in).
    expect(activitiesOf(run, 'signInCrawl')[0]!.activityTaskScheduledEventAttributes?.taskQueue?.name).toBe(stack.config.TEMPORAL_BROWSER_TASK_QUEUE);
    expect(activitiesOf(run, 'openCrawl')).toHaveLength(i === 0 ? 2 : 1);
  }
  // Every sign-in the site saw: one per crawl run, none per page scan (they use the crawl's session).
  const pageScans = pages.filter((p) => p.scan_id).length;
  expect(pageScans).toBeGreaterThan(workflowRuns.length);
  const logins = site.logins.filter((l) => l.ok).length - loginsBefore;
  expect(logins).toBe(workflowRuns.length);
  // The members pages were scanned signed in: the scanner's own fetches (its user agent, not the
  // crawler's) reached each of them authorised, and no scan's plan sent a login to the browser queue.
  const scannerSeen = site.membersAuthorizedBy.slice(scannerSeenFrom).filter((h) => h.userAgent !== CRAWLER_USER_AGENT).map((h) => `${site.origin}${h.path}`);
  for (const url of membersUrls()) expect(scannerSeen).toContain(url);
  const scanIds = pages.flatMap((p) => (p.scan_id ? [p.scan_id] : []));
  for (const id of scanIds) {
    const scan = await stack.db.prisma.scanRun.findUniqueOrThrow({ where: { id }, select: { workflow_id: true } });
    const history = await stack.temporal.client.workflow.getHandle(scan.workflow_id).fetchHistory();
    expect(activitiesOf(history, 'capturePage')).toHaveLength(0);
    // Its plan (recorded in its history) sent no login: no `"siteLogin":true`.
    expect(historyText(history)).toContain('\\"url\\":');
    expect(historyText(history)).not.toContain('\\"siteLogin\\":true');
  }

  // The figures: the sign-in activity's time, from its history events.
  const ms = (e: temporal.api.history.v1.IHistoryEvent) => Number(e.eventTime!.seconds) * 1000 + Math.round((e.eventTime!.nanos ?? 0) / 1e6);
  const times = workflowRuns.map((run) => {
    const events = run.events ?? [];
    const scheduled = activitiesOf(run, 'signInCrawl')[0]!;
    const of = (e: temporal.api.history.v1.IHistoryEvent) => e.activityTaskStartedEventAttributes ?? e.activityTaskCompletedEventAttributes;
    const started = events.find((e) => e.activityTaskStartedEventAttributes && Number(of(e)!.scheduledEventId) === Number(scheduled.eventId));
    const completed = events.find((e) => e.activityTaskCompletedEventAttributes && Number(of(e)!.scheduledEventId) === Number(scheduled.eventId));
    expect(started && completed).toBeDefined();
    return `${ms(started!) - ms(scheduled)} + ${ms(completed!) - ms(started!)}`;
  });
  console.info(
    `crawl sign-in: ${workflowRuns.length} runs, ${signIns.flat().length} sign-ins; each (queued + run, ms): ${times.join(', ')}; ` +
      `members pages found behind the login and scanned: ${membersUrls().length}; the crawl's signed-in requests to the members area: ${crawlerSeen}; ` +
      `logins for the crawl (runs + page scans): ${logins} for ${workflowRuns.length} runs and ${pageScans} page scans`,
  );

  // The session is gone with the crawl.
  expect((await stack.db.prisma.crawl.findUniqueOrThrow({ where: { id: crawl.id }, select: { site_session: true } })).site_session).toBeNull();
}, 250_000);

it("a crawl page's scan is planned without a login while its crawl holds a session, with one when it has none; its fetches get the crawl's cookies, for the origin only", async () => {
  const t = await createTenant(stack.db.prisma, stack.baseUrl);
  expect((await api('PUT', `${t.audit}/site-auth`, { key: t.writeKey, body: recipe() })).status).toBe(200);
  const prisma = stack.db.prisma;
  const secret = resolveInstanceSecret(stack.config);
  const crawl = await prisma.crawl.create({
    data: { org_id: t.orgId, project_id: t.projectId, url: site.startUrl, status: 'running', max_pages: 10, max_depth: 3, scanners: ['seo'], workflow_id: `crawl-plan-${randomUUID()}` },
  });
  const url = `${site.origin}/members`;
  const scanRunId = randomUUID();
  await prisma.scanRun.create({ data: { id: scanRunId, org_id: t.orgId, project_id: t.projectId, url, scanners: ['seo'], workflow_id: `scan-${scanRunId}` } });
  await prisma.crawlPage.create({ data: { crawl_id: crawl.id, url, depth: 1, status: 'scanning', scan_run_id: scanRunId } });
  // A lone scan of the same URL: always signs in itself.
  const loneId = randomUUID();
  await prisma.scanRun.create({ data: { id: loneId, org_id: t.orgId, project_id: t.projectId, url, scanners: ['seo'], workflow_id: `scan-${loneId}` } });
  const runs = createScanRunActivities(prisma, { pageSpeedConfigured: false, browserTaskQueue: stack.config.TEMPORAL_BROWSER_TASK_QUEUE });
  const plans = async (id: string) => [(await runs.openScanRun(id)).siteLogin, (await runs.startScanRun(id)).siteLogin];

  // No session on the crawl (none yet, or cleared): the scan signs in itself, as any scan.
  expect(await plans(scanRunId)).toEqual([true, true]);
  expect(await originAuthForRun(prisma, secret, scanRunId)).toBeUndefined();

  const cookies = [{ name: 'members_sid', value: `plan-test-${randomUUID()}`, path: '/' }];
  await prisma.crawl.update({ where: { id: crawl.id }, data: { site_session: sealSession(cookies, crawlSessionOwner(crawl.id), secret) } });
  expect(await plans(scanRunId)).toEqual([undefined, undefined]);
  expect(await plans(loneId)).toEqual([true, true]);
  // The crawl's cookies, for the recipe's origin only (credentialHeadersFor sends them nowhere else).
  const auth = await originAuthForRun(prisma, secret, scanRunId);
  expect(auth).toEqual({ origin: site.origin, headers: {}, cookies });
  expect(credentialHeadersFor(auth, `${url}/report`)).toEqual({ cookie: `members_sid=${cookies[0]!.value}` });
  expect(credentialHeadersFor(auth, 'http://127.0.0.2:1/members')).toEqual({});
  expect(await originAuthForRun(prisma, secret, loneId)).toBeUndefined();

  // The site-auth no longer a login recipe on that origin: the crawl's session is not used.
  expect((await api('PUT', `${t.audit}/site-auth`, { key: t.writeKey, body: { origin: site.origin, headers: { 'x-other': 'v' } } })).status).toBe(200);
  expect(await originAuthForRun(prisma, secret, scanRunId)).toEqual({ origin: site.origin, headers: { 'x-other': 'v' }, cookies: [] });
  expect(await plans(scanRunId)).toEqual([undefined, undefined]);
  expect((await api('DELETE', `${t.audit}/site-auth`, { key: t.writeKey })).status).toBe(200);
  expect(await originAuthForRun(prisma, secret, scanRunId)).toBeUndefined();
}, 60_000);

it('a login recipe whose success check is not met fails the crawl with the reason, before any page', async () => {
  const t = await createTenant(stack.db.prisma, stack.baseUrl);
  expect((await api('PUT', `${t.audit}/site-auth`, { key: t.writeKey, body: recipe('wrong-password-123') })).status).toBe(200);
  const failedBefore = site.logins.filter((l) => !l.ok).length;
  const { crawl, pages } = await crawlToEnd(t, 'failed');
  expect(crawl.failure_reason).toBe('login failed: success check not met');
  // Not retried: the same recipe fails again.
  expect(site.logins.filter((l) => !l.ok).length - failedBefore).toBe(1);
  // It held nothing: no page recorded (the seeding waits for the sign-in), no scan, no session.
  expect(pages).toEqual([]);
  expect(crawl.counts.discovered).toBe(0);
  expect(await stack.db.prisma.scanRun.count({ where: { org_id: t.orgId } })).toBe(0);
  expect((await stack.db.prisma.crawl.findUniqueOrThrow({ where: { id: crawl.id }, select: { site_session: true, finished_at: true } })).site_session).toBeNull();
  const [run] = await runsOf(crawl.workflow_id);
  expect(activitiesOf(run!, 'signInCrawl')).toHaveLength(1);
  expect(patchMarkers(run!)).toBe(1);
}, 250_000);

it('no password, session or credential is in an API answer, a log line or a workflow history of the crawls', async () => {
  const members = site.members!;
  const secrets = [members.credentials.password, members.header.value, members.cookie.value, ...members.sessions];
  // The login recipe's crawl and its page scans signed in: sessions were handed out.
  expect(members.sessions.size).toBeGreaterThan(1);
  const texts: string[] = [];
  for (const crawlId of crawlIds) {
    const scans = await stack.db.prisma.crawlPage.findMany({ where: { crawl_id: crawlId, scan_run_id: { not: null } }, select: { scan_run_id: true } });
    const text = await histories(crawlId, scans.map((s) => s.scan_run_id!));
    // The payloads are decoded: openCrawl's options are there, as its input.
    expect(text).toContain('\\"signInFirst\\":true');
    texts.push(text);
  }
  expect(logs.length).toBeGreaterThan(0);
  const places = { answers: answers.join('\n'), logs: logs.join('\n'), histories: texts.join('\n') };
  for (const [place, text] of Object.entries(places)) {
    for (const secret of secrets) {
      if (text.includes(secret)) {
        const at = text.indexOf(secret);
        throw new Error(`a credential (${secret.slice(0, 4)}…) was found in ${place}: …${text.slice(Math.max(0, at - 300), at).replaceAll(secret, '<secret>')}`);
      }
    }
  }
}, 120_000);
