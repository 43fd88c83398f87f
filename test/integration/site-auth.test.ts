import { Writable } from 'node:stream';
import { createLogger } from '../../src/platform/logger.ts';
import { historyText } from '../support/histories.ts';
import { captureProcessOutput } from '../support/output-capture.ts';
import { call, eventually, type ApiResponse } from '../support/http.ts';
import { MEMBERS_TITLE, startLoginSite, type LoginSite } from '../support/login-site.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { createTenant, type Tenant } from '../support/tenants.ts';

/**
 * Pages behind a login (docs/site-auth.md), through the API: each of the three forms lets every
 * scanner see the members area; without one the scan sees the login page; a failed login fails the
 * scan with its reason; the other origin never gets a credential; and no credential is in any
 * answer, log line or workflow history.
 */

let stack: Stack;
let site: LoginSite;
const logs: string[] = [];
const answers: string[] = [];
const scanIds: string[] = [];
const tenantOrgs: string[] = [];

beforeAll(async () => {
  site = await startLoginSite();
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  stack = await startStack({}, { logger: createLogger('debug', 'api', sink) });
  // The worker's and the SDK's own output (Temporal's default logger, console): searched too.
  captureProcessOutput(logs);
}, 60_000);

afterAll(async () => {
  jest.restoreAllMocks();
  await stack?.close();
  await site?.close();
});

/** Every API answer of this file is kept, to search them for the credentials at the end. */
async function api(method: string, url: string, options: Parameters<typeof call>[2] = {}): Promise<ApiResponse> {
  const response = await call(method, url, options);
  answers.push(response.text);
  return response;
}

async function scan(t: Tenant, scanners: string[], url = site.entryUrl): Promise<any> {
  tenantOrgs.push(t.orgId);
  const started = await api('POST', `${t.audit}/scans/run`, { key: t.writeKey, body: { url, scanners } });
  expect(started.status).toBe(202);
  scanIds.push(started.body.data.id);
  const done = await eventually(
    () => api('GET', `${t.audit}/scans/${started.body.data.id}`, { key: t.readKey }),
    (r) => ['completed', 'failed'].includes(r.body.data.status),
    170_000,
  );
  return done.body.data;
}

async function findingsOf(t: Tenant): Promise<any[]> {
  const res = await api('GET', `${t.audit}/findings?limit=200`, { key: t.readKey });
  expect(res.status).toBe(200);
  return res.body.data;
}

/** What the scan saw: the members page (its chart has no alt text), or the login page. */
async function sawMembersArea(t: Tenant): Promise<boolean> {
  const findings = await findingsOf(t);
  const alt = findings.find((f) => f.check_id === 'seo.image_alt_missing');
  return JSON.stringify(alt ?? {}).includes('/members/revenue-chart.png');
}

async function putSiteAuth(t: Tenant, body: unknown): Promise<ApiResponse> {
  return api('PUT', `${t.audit}/site-auth`, { key: t.writeKey, body });
}

/** Lighthouse emulates a phone (its mobile form factor); axe and the login use a desktop viewport. */
const isLighthouse = (ua: string) => ua.includes('Android');

/** Requests of one scan to the members area, by who made them. */
function membersRequestsSince(mark: number) {
  return site.siteRequests.slice(mark).filter((r) => r.path === '/members');
}

it('without site-auth, the scan sees the login page', async () => {
  const t = await createTenant(stack.db.prisma, stack.baseUrl);
  const run = await scan(t, ['security', 'seo']);
  expect(run.status).toBe('completed');
  expect(await sawMembersArea(t)).toBe(false);
  const findings = await findingsOf(t);
  expect(JSON.stringify(findings)).toContain(`${site.origin}/login`);
  expect(JSON.stringify(findings)).not.toContain(MEMBERS_TITLE);
}, 120_000);

it('headers: every scanner (fetch, Lighthouse, axe) sees the members area; GET shows names only', async () => {
  const t = await createTenant(stack.db.prisma, stack.baseUrl);
  const put = await putSiteAuth(t, { origin: site.origin, headers: { [site.credentials.headerName]: site.credentials.headerValue } });
  expect(put.status).toBe(200);
  expect(put.body.data).toMatchObject({ type: 'headers', origin: site.origin, headers: [site.credentials.headerName] });
  const got = await api('GET', `${t.audit}/site-auth`, { key: t.readKey });
  expect(got.body.data).toMatchObject({ type: 'headers', origin: site.origin, headers: [site.credentials.headerName] });

  const mark = site.siteRequests.length;
  const run = await scan(t, ['security', 'seo', 'accessibility', 'performance']);
  expect(run.status).toBe('completed');
  expect(run.scanner_status).toMatchObject({ security: { status: 'done' }, seo: { status: 'done' }, accessibility: { status: 'done' }, performance: { status: 'done' } });
  expect(await sawMembersArea(t)).toBe(true);
  // axe saw the members page too: its image has no alt text.
  expect((await findingsOf(t)).map((f) => f.check_id)).toContain('accessibility.axe.image-alt');
  const members = membersRequestsSince(mark);
  expect(members.every((r) => r.authorized)).toBe(true);
  const agents = members.map((r) => r.userAgent);
  expect(agents.some((ua) => ua.startsWith('Sitewarden/'))).toBe(true); // the page capture
  expect(agents.some((ua) => isLighthouse(ua))).toBe(true); // Lighthouse
  expect(agents.some((ua) => ua.includes('HeadlessChrome') && !isLighthouse(ua))).toBe(true); // axe
  // The browsers loaded the other origin's resources and followed the redirect through it.
  const otherPaths = site.otherRequests.map((r) => r.path);
  expect(otherPaths).toEqual(expect.arrayContaining(['/bounce', '/tracker.js', '/pixel.png', '/landed.png']));

  // A light scan (security and SEO only: one activity fetches the page for both) sees it too.
  const lightMark = site.siteRequests.length;
  const light = await scan(t, ['security', 'seo']);
  expect(light.status).toBe('completed');
  const lightMembers = membersRequestsSince(lightMark);
  expect(lightMembers.length).toBeGreaterThan(0);
  expect(lightMembers.every((r) => r.authorized && r.userAgent.startsWith('Sitewarden/'))).toBe(true);
  const lightHistory = await stack.temporal.client.workflow.getHandle(`scan-${light.id}`).fetchHistory();
  // One local activity fetched the page for both (patch scan-light-local), and opened and closed the
  // run (scan-light-one-activity, with the site-auth read with the plan): no activity task, no capture.
  const scheduled = (lightHistory.events ?? []).flatMap((e) => (e.activityTaskScheduledEventAttributes?.activityType?.name ? [e.activityTaskScheduledEventAttributes.activityType.name] : []));
  expect(scheduled).toEqual([]);
  const localActivities = (lightHistory.events ?? []).filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity');
  expect(localActivities).toHaveLength(1); // openLightScan

  // A scan of another origin in the same project goes without them (the final test searches the other origin's requests).
  const elsewhere = site.otherRequests.length;
  expect((await scan(t, ['security', 'seo'], `${site.other}/partner`)).status).toBe('completed');
  expect(site.otherRequests.slice(elsewhere).map((r) => r.path)).toContain('/partner');

  const deleted = await api('DELETE', `${t.audit}/site-auth`, { key: t.writeKey });
  expect(deleted.body.data).toEqual({ deleted: true });
  expect((await api('GET', `${t.audit}/site-auth`, { key: t.readKey })).status).toBe(404);
  expect((await api('DELETE', `${t.audit}/site-auth`, { key: t.writeKey })).status).toBe(404);
}, 300_000);

it('cookies: the scanners see the members area', async () => {
  const t = await createTenant(stack.db.prisma, stack.baseUrl);
  const put = await putSiteAuth(t, { origin: site.origin, cookies: [{ name: site.credentials.cookieName, value: site.credentials.cookieValue }] });
  expect(put.body.data).toMatchObject({ type: 'cookies', cookies: [{ name: site.credentials.cookieName, path: '/' }] });
  const mark = site.siteRequests.length;
  const run = await scan(t, ['security', 'seo', 'accessibility']);
  expect(run.status).toBe('completed');
  expect(await sawMembersArea(t)).toBe(true);
  expect((await findingsOf(t)).map((f) => f.check_id)).toContain('accessibility.axe.image-alt');
  expect(membersRequestsSince(mark).every((r) => r.authorized)).toBe(true);
}, 240_000);

it('login: signs in once in Chromium, then every scanner uses the session; a verification re-check signs in too', async () => {
  const t = await createTenant(stack.db.prisma, stack.baseUrl);
  const recipe = {
    url: site.loginUrl,
    fields: { '#user': site.credentials.user, '#pass': site.credentials.password },
    submit: '#go',
    // Met once the members page's image that redirects to the other origin has settled: the
    // login's browser holds the session then, and that hop must not carry it.
    success: { selector: '#away-done' },
  };
  const put = await putSiteAuth(t, { login: recipe });
  expect(put.body.data).toMatchObject({ type: 'login', origin: site.origin, login: { url: site.loginUrl, fields: ['#user', '#pass'], submit: '#go', success: { selector: '#away-done' } } });
  const before = site.sessions.size;
  const logins = () => site.siteRequests.filter((r) => r.method === 'POST' && r.path === '/login').length;
  const loginsBefore = logins();
  const mark = site.siteRequests.length;
  const run = await scan(t, ['security', 'seo', 'accessibility', 'performance']);
  expect(run.status).toBe('completed');
  expect(await sawMembersArea(t)).toBe(true);
  expect((await findingsOf(t)).map((f) => f.check_id)).toContain('accessibility.axe.image-alt');
  // One login for the whole scan, its session used by every scanner.
  expect(logins() - loginsBefore).toBe(1);
  expect(site.sessions.size).toBe(before + 1);
  const agents = membersRequestsSince(mark).filter((r) => r.authorized).map((r) => r.userAgent);
  expect(agents.some((ua) => ua.startsWith('Sitewarden/'))).toBe(true);
  expect(agents.some((ua) => isLighthouse(ua))).toBe(true);
  expect(membersRequestsSince(mark).every((r) => r.authorized)).toBe(true);
  // The session is gone with the run's snapshots.
  expect(await stack.db.prisma.pageSnapshot.count({ where: { scan_run_id: run.id } })).toBe(0);

  // A verification of the members page's finding signs in and re-checks the members page.
  const finding = (await findingsOf(t)).find((f) => f.check_id === 'seo.image_alt_missing');
  const task = await api('POST', `${t.audit}/tasks`, { key: t.writeKey, body: { finding_id: finding.id } });
  expect(task.status).toBe(201);
  const recheckMark = site.siteRequests.length;
  const started = await api('POST', `${t.audit}/verifications/run`, { key: t.writeKey, body: { task_id: task.body.data.id } });
  expect(started.status).toBe(202);
  const verification = await eventually(
    () => api('GET', `${t.audit}/verifications/${started.body.data.id}`, { key: t.readKey }),
    (r) => r.body.data.result !== 'pending',
    120_000,
  );
  // Still there: the re-check saw the members page (the login page has no image to flag).
  expect(verification.body.data.result).toBe('failed');
  expect(JSON.stringify(verification.body.data.checks)).not.toMatch(/login failed/);
  const rechecked = site.siteRequests.slice(recheckMark);
  expect(rechecked.some((r) => r.method === 'POST' && r.path === '/login')).toBe(true);
  expect(rechecked.some((r) => r.path === '/members' && r.authorized && r.userAgent.startsWith('Sitewarden/'))).toBe(true);
}, 400_000);

it('a login whose success check is not met fails the scan with the reason', async () => {
  const t = await createTenant(stack.db.prisma, stack.baseUrl);
  await putSiteAuth(t, { login: { url: site.loginUrl, fields: { '#user': site.credentials.user, '#pass': 'wrong-password-123' }, submit: '#go', success: { url: site.membersUrl } } });
  const run = await scan(t, ['security', 'seo']);
  expect(run.status).toBe('failed');
  expect(run.failure_reason).toBe('login failed: success check not met');
  expect(run.scanner_status.security).toEqual({ status: 'failed', error: 'login failed: success check not met' });
}, 180_000);

it('validates the body: 422 with the field, the values never echoed', async () => {
  const t = await createTenant(stack.db.prisma, stack.baseUrl);
  const bad = await putSiteAuth(t, { headers: { Host: 'evil.example', 'X-Ok': 'line\r\nbreak-secret' } });
  expect(bad.status).toBe(422);
  expect(bad.body.error.details).toEqual({
    'headers.Host': ['this header belongs to the connection (hop-by-hop, Host, Content-Length…) and cannot be set'],
    'headers.X-Ok': ['a header value is visible ASCII (spaces and tabs inside), without leading or trailing whitespace'],
  });
  expect(bad.text).not.toContain('break-secret');
  // No scan yet: headers and cookies need an origin to be bound to.
  expect((await putSiteAuth(t, { headers: { 'X-Key': 'v' } })).body.error.details).toEqual({ origin: ["required: the project has no scan yet whose origin the credentials could be bound to"] });
  // The login page on another origin than the one given.
  const elsewhere = await putSiteAuth(t, { origin: site.other, login: { url: site.loginUrl, fields: { '#user': 'u' }, submit: '#go', success: { selector: '#account' } } });
  expect(elsewhere.body.error.details).toEqual({ 'login.url': [`must be on the project's origin (${site.other})`] });
  // Refused by the SSRF guard, like any scanned URL.
  const metadata = await putSiteAuth(t, { origin: 'http://169.254.169.254', headers: { 'X-Key': 'v' } });
  expect(metadata.status).toBe(422);
  expect(Object.keys(metadata.body.error.details)).toEqual(['origin']);
  // A read key may not set it.
  expect((await api('PUT', `${t.audit}/site-auth`, { key: t.readKey, body: { origin: site.origin, headers: { A: 'b' } } })).status).toBe(403);
});

it('no credential reached the other origin, an API answer, a log line or a workflow history', async () => {
  const { headerValue, cookieValue, password } = site.credentials;
  const secrets = [headerValue, cookieValue, password, ...site.sessions];
  expect(site.sessions.size).toBeGreaterThan(0);
  const histories: string[] = [];
  const runs = await stack.db.prisma.scanRun.findMany({ where: { id: { in: scanIds } }, select: { workflow_id: true } });
  const verifications = await stack.db.prisma.verification.findMany({ where: { org_id: { in: tenantOrgs } }, select: { workflow_id: true } });
  for (const { workflow_id } of [...runs, ...verifications]) {
    if (!workflow_id) continue;
    const history = await stack.temporal.client.workflow.getHandle(workflow_id).fetchHistory().catch(() => null);
    if (history) histories.push(historyText(history));
  }
  expect(histories.length).toBeGreaterThanOrEqual(runs.length);
  // The payloads are searched decoded: a scan's input (its run id) is there as text.
  expect(histories.some((h) => h.includes('\\"scanRunId\\"'))).toBe(true);
  const leaked = site.otherRequests.filter((r) => secrets.some((secret) => r.raw.includes(secret)));
  if (leaked.length) console.info(JSON.stringify(leaked.map((r) => [r.method, r.path, r.userAgent, site.otherRequests.indexOf(r)])));
  const places = { other: site.otherRequests.map((r) => r.raw).join('\n'), answers: answers.join('\n'), logs: logs.join('\n'), histories: histories.join('\n') };
  expect(site.otherRequests.length).toBeGreaterThan(0);
  expect(logs.length).toBeGreaterThan(0);
  for (const [place, text] of Object.entries(places)) {
    for (const secret of secrets) {
      if (text.includes(secret)) {
        const at = text.indexOf(secret);
        throw new Error(`a credential (${secret.slice(0, 4)}…) was found in ${place}: …${text.slice(Math.max(0, at - 300), at).replaceAll(secret, '<secret>')}`);
      }
    }
  }
  // Nor any credential header at all at the other origin, nor a cookie: where the browsers' jars
  // would add the site's cookies (another port of the same host) an empty Cookie header goes instead.
  for (const request of site.otherRequests) {
    const lines = request.raw.split('\n');
    const headers = Array.from({ length: Math.floor(lines.length / 2) }, (_, i) => [lines[2 * i]!.toLowerCase(), lines[2 * i + 1]!] as const);
    expect(headers.filter(([name]) => name === 'x-site-token' || name === 'authorization')).toEqual([]);
    expect(headers.filter(([name, value]) => name === 'cookie' && value !== '')).toEqual([]);
  }
});
