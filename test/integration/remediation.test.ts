import { createServer, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { approveVerification } from '../../src/services/verification-decisions.ts';
import { call, eventually } from '../support/http.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { createTenant, type Tenant } from '../support/tenants.ts';

// form-action too: a CSP verification passes only when no CSP check reports, the low ones included.
const STRICT_CSP = "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
const PAGE = '<!doctype html><html lang="en"><head><title>Remediation fixture page</title></head><body><h1>Hello</h1></body></html>';

/** A site whose headers the test fixes between runs. */
let headers: OutgoingHttpHeaders;
let site: Server;
let siteUrl: string;
let stack: Stack;

beforeAll(async () => {
  site = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html', ...headers }).end(PAGE));
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
  stack = await startStack({ VERIFICATION_DECISION_WINDOW_SECONDS: '2' });
});
afterAll(async () => {
  await stack.close();
  site.closeAllConnections();
  await new Promise((resolve) => site.close(resolve));
});
beforeEach(() => {
  headers = {};
});

/** A tenant with a scanned site and a task on its "CSP missing" finding, ready to verify. */
async function taskOnMissingCsp(): Promise<{ t: Tenant; findingId: string; taskId: string }> {
  headers = {};
  const t = await createTenant(stack.db.prisma, stack.baseUrl);
  const scan = await call('POST', `${t.audit}/scans/run`, { key: t.writeKey, body: { url: siteUrl, scanners: ['security'] } });
  await stack.temporal.client.workflow.getHandle(scan.body.data.workflow_id).result();
  const findings = await call('GET', `${t.audit}/findings?domain=security`, { key: t.readKey });
  const finding = findings.body.data.find((f: any) => f.check_id === 'security.csp_missing');
  const task = await call('POST', `${t.audit}/tasks`, { key: t.writeKey, body: { finding_id: finding.id } });
  expect(task.status).toBe(201);
  for (const status of ['in_progress', 'ready_verify']) {
    expect((await call('PATCH', `${t.audit}/tasks/${task.body.data.id}`, { key: t.writeKey, body: { status } })).status).toBe(200);
  }
  return { t, findingId: finding.id, taskId: task.body.data.id };
}

async function verify(t: Tenant, taskId: string) {
  const started = await call('POST', `${t.audit}/verifications/run`, { key: t.writeKey, body: { task_id: taskId } });
  expect(started.status).toBe(202);
  const done = await eventually(
    () => call('GET', `${t.audit}/verifications/${started.body.data.id}`, { key: t.readKey }),
    (r) => r.body.data.result !== 'pending',
  );
  return { started: started.body.data, done: done.body.data };
}

const get = async (t: Tenant, path: string) => (await call('GET', `${t.audit}/${path}`, { key: t.readKey })).body.data;

it('runs the whole loop: verify fails, fix, verify passes, approve, reopen', async () => {
  const { t, findingId, taskId } = await taskOnMissingCsp();
  expect((await get(t, `findings/${findingId}`)).status).toBe('ready_verify');

  const first = await verify(t, taskId);
  expect(first.started).toMatchObject({ task_id: taskId, result: 'pending', verified_by_id: null, verified_at: null });
  expect(first.started.checks).toEqual([{ key: 'security_header_csp', before: 'failed', after: 'pending', status: 'running' }]);
  expect(first.done.result).toBe('failed');
  expect(first.done.checks).toEqual([expect.objectContaining({ key: 'security_header_csp', after: 'failed', status: 'failed' })]);
  const refused = await call('POST', `${t.audit}/verifications/${first.done.id}/approve`, { key: t.writeKey });
  expect(refused.status).toBe(409);
  expect(refused.body.error.code).toBe('conflict');

  headers = { 'content-security-policy': STRICT_CSP };
  const second = await verify(t, taskId);
  expect(second.done.result).toBe('passed');
  expect(second.done.checks).toEqual([expect.objectContaining({ key: 'security_header_csp', before: 'failed', after: 'passed', status: 'passed' })]);

  const approved = await call('POST', `${t.audit}/verifications/${second.done.id}/approve`, { key: t.writeKey });
  expect(approved.status).toBe(200);
  expect(approved.body.data).toMatchObject({ result: 'passed', verified_by_id: expect.any(String) });
  expect(approved.body.data.verified_at).not.toBeNull();
  expect(approved.body.data).toEqual(await get(t, `verifications/${second.done.id}`));
  expect((await get(t, `tasks/${taskId}`)).status).toBe('done');
  expect((await get(t, `findings/${findingId}`)).status).toBe('resolved');

  const twice = await call('POST', `${t.audit}/verifications/${second.done.id}/approve`, { key: t.writeKey });
  expect(twice.status).toBe(409);

  const reopened = await call('POST', `${t.audit}/verifications/${second.done.id}/reopen`, { key: t.writeKey });
  expect(reopened.status).toBe(200);
  expect(reopened.body.data).toMatchObject({ result: 'failed', reopened_at: expect.any(String) });
  expect((await get(t, `tasks/${taskId}`)).status).toBe('in_progress');
  const finding = await get(t, `findings/${findingId}`);
  expect(finding.status).toBe('in_progress');
  expect(finding.regressions).toEqual([expect.objectContaining({ trigger: 'verification_reopened', status: 'open', verification_id: second.done.id })]);

  expect((await call('POST', `${t.audit}/verifications/${second.done.id}/approve`, { key: t.writeKey })).status).toBe(409);
  expect((await call('POST', `${t.audit}/verifications/${second.done.id}/reopen`, { key: t.writeKey })).status).toBe(409);

  const events = await stack.db.prisma.findingEvent.findMany({ where: { finding_id: findingId }, orderBy: { created_at: 'asc' } });
  expect(events.map((e) => e.status)).toEqual(['new', 'in_progress', 'ready_verify', 'resolved', 'in_progress']);
  // The decisions' events, as changeFinding writes them: the status before, the acting key.
  const actor = `api_key:${approved.body.data.verified_by_id}`;
  expect(events.slice(3)).toEqual([
    expect.objectContaining({ kind: 'status_changed', from_status: 'ready_verify', status: 'resolved', actor, org_id: t.orgId, project_id: t.projectId }),
    expect.objectContaining({ kind: 'status_changed', from_status: 'resolved', status: 'in_progress', actor }),
  ]);
  // The reopen of a passed verification: verification.failed (cause reopened) and finding.regressed,
  // as recordVerificationResult and openRegression write them.
  const finding0 = await stack.db.prisma.finding.findUniqueOrThrow({ where: { id: findingId } });
  const outbox = await stack.db.prisma.notificationEvent.findMany({ where: { org_id: t.orgId, type: { in: ['verification.failed', 'finding.regressed'] }, data: { path: ['verification_id'], equals: second.done.id } } });
  expect(outbox.map(({ type, severity, data, project_id }) => ({ type, severity, data, project_id })).sort((a, b) => a.type.localeCompare(b.type))).toEqual([
    {
      type: 'finding.regressed',
      severity: finding0.severity,
      project_id: t.projectId,
      data: { finding_id: findingId, title: finding0.title, domain: 'security', check_id: 'security.csp_missing', severity: finding0.severity, trigger: 'verification_reopened', scan_run_id: null, verification_id: second.done.id },
    },
    { type: 'verification.failed', severity: null, project_id: t.projectId, data: { verification_id: second.done.id, task_id: taskId, finding_id: findingId, result: 'failed', cause: 'reopened' } },
  ]);
  // The answers were built from the decisions' notices: the row as it is.
  expect(reopened.body.data).toEqual(await get(t, `verifications/${second.done.id}`));
}, 60_000);

it('lets exactly one of two racing approvals through, and approval still works after the window closed', async () => {
  const { t, taskId } = await taskOnMissingCsp();
  headers = { 'content-security-policy': STRICT_CSP };
  const { done } = await verify(t, taskId);
  expect(done.result).toBe('passed');
  // The decision window (2 s) passes: the workflow completes; a decision starts it again.
  await stack.temporal.client.workflow.getHandle(done.workflow_id).result();

  const answers = await Promise.all([1, 2].map(() => call('POST', `${t.audit}/verifications/${done.id}/approve`, { key: t.writeKey })));
  expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
  const regressions = await stack.db.prisma.regression.count({ where: { org_id: t.orgId } });
  expect(regressions).toBe(0);
}, 60_000);

it('approves a full pass by itself under the auto_approve policy', async () => {
  const { t, taskId, findingId } = await taskOnMissingCsp();
  headers = { 'content-security-policy': STRICT_CSP };
  await stack.db.prisma.policy.create({
    data: { org_id: t.orgId, project_id: t.projectId, name: 'auto', config: { verification: { auto_approve: true } } },
  });
  const { done } = await verify(t, taskId);
  const settled = await eventually(() => get(t, `verifications/${done.id}`), (v) => v.verified_at !== null);
  expect(settled).toMatchObject({ result: 'passed', verified_by_id: null });
  expect((await get(t, `tasks/${taskId}`)).status).toBe('done');
  expect((await get(t, `findings/${findingId}`)).status).toBe('resolved');
}, 60_000);

it('leaves nothing half-applied when the approval transaction fails half-way', async () => {
  const { t, taskId, findingId } = await taskOnMissingCsp();
  headers = { 'content-security-policy': STRICT_CSP };
  const { done } = await verify(t, taskId);
  await stack.db.prisma.regression.create({ data: { org_id: t.orgId, project_id: t.projectId, finding_id: findingId, trigger: 'scan_detected' } });
  const trigger = `fail_${findingId.replaceAll('-', '')}`;
  await stack.db.prisma.$executeRawUnsafe(`
    CREATE FUNCTION ${trigger}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN IF NEW.id = '${findingId}' AND NEW.status = 'resolved' THEN RAISE EXCEPTION 'disk full'; END IF; RETURN NEW; END $$`);
  await stack.db.prisma.$executeRawUnsafe(`CREATE TRIGGER ${trigger} BEFORE UPDATE ON findings FOR EACH ROW EXECUTE FUNCTION ${trigger}()`);
  try {
    await expect(approveVerification(stack.db.prisma, done.id, { keyId: null, label: 'test' })).rejects.toThrow(/disk full/);
  } finally {
    await stack.db.prisma.$executeRawUnsafe(`DROP TRIGGER ${trigger} ON findings`);
    await stack.db.prisma.$executeRawUnsafe(`DROP FUNCTION ${trigger}()`);
  }
  expect(await get(t, `verifications/${done.id}`)).toMatchObject({ verified_at: null, verified_by_id: null });
  expect((await get(t, `tasks/${taskId}`)).status).toBe('ready_verify');
  expect((await get(t, `findings/${findingId}`)).status).toBe('ready_verify');
  expect(await stack.db.prisma.regression.count({ where: { finding_id: findingId, status: 'open' } })).toBe(1);
}, 60_000);

it('records an unknown check key as failed', async () => {
  const { t, taskId, findingId } = await taskOnMissingCsp();
  await stack.db.prisma.finding.update({ where: { id: findingId }, data: { verification_key: 'security_header_teapot' } });
  const { done } = await verify(t, taskId);
  expect(done.result).toBe('failed');
  expect(done.checks).toEqual([expect.objectContaining({ key: 'security_header_teapot', status: 'failed', detail: 'unknown check key security_header_teapot' })]);
}, 60_000);

describe('tasks', () => {
  it('defaults, SLA from the policy, one open task per finding', async () => {
    const { t, findingId, taskId } = await taskOnMissingCsp();
    const task = await get(t, `tasks/${taskId}`);
    expect(task).toMatchObject({ finding_id: findingId, priority: 'medium', title: 'Content-Security-Policy missing', external_ticket_key: null, pr_url: null });
    // high severity, no policy stored: Krafter's default sla_hours.high = 72
    const hours = (Date.parse(task.sla_due_at) - Date.parse(task.created_at)) / 3_600_000;
    expect(hours).toBeCloseTo(72, 1);
    const again = await call('POST', `${t.audit}/tasks`, { key: t.writeKey, body: { finding_id: findingId } });
    expect(again.status).toBe(409);
  }, 60_000);

  it('refuses illegal moves, done by hand, finding_id changes and empty updates', async () => {
    const { t, taskId } = await taskOnMissingCsp();
    const patch = (body: unknown) => call('PATCH', `${t.audit}/tasks/${taskId}`, { key: t.writeKey, body });
    expect((await patch({ status: 'done' })).status).toBe(409);
    expect((await patch({ status: 'backlog' })).status).toBe(409); // ready_verify → backlog is not a move
    const changeFinding = await patch({ finding_id: '00000000-0000-4000-8000-000000000000' });
    expect(changeFinding.status).toBe(422);
    expect(Object.keys(changeFinding.body.error.details)).toEqual(['finding_id']);
    expect((await patch({})).status).toBe(422);
    expect((await patch({ colour: 'red' })).status).toBe(422);
    const edited = await patch({ pr_url: 'https://github.com/acme/web/pull/1', external_ticket_key: 'SEC-1', priority: 'high' });
    expect(edited.body.data).toMatchObject({ pr_url: 'https://github.com/acme/web/pull/1', external_ticket_key: 'SEC-1', priority: 'high', status: 'ready_verify' });
  }, 60_000);

  it('lists by status with keyset cursors, newest first', async () => {
    const t = await createTenant(stack.db.prisma, stack.baseUrl);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const finding = await stack.db.prisma.finding.create({
        data: { org_id: t.orgId, project_id: t.projectId, domain: 'seo', check_id: 'seo.x', title: `Finding ${'i'.repeat(i + 1)}`, severity: 'low' },
      });
      ids.push((await call('POST', `${t.audit}/tasks`, { key: t.writeKey, body: { finding_id: finding.id } })).body.data.id);
    }
    await call('PATCH', `${t.audit}/tasks/${ids[0]}`, { key: t.writeKey, body: { status: 'blocked' } });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : '?limit=2';
      const page = await call('GET', `${t.audit}/tasks${query}`, { key: t.readKey });
      expect(page.body.meta.total).toBe(5);
      seen.push(...page.body.data.map((x: any) => x.id));
      cursor = page.body.meta.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    const blocked = await call('GET', `${t.audit}/tasks?status=blocked`, { key: t.readKey });
    expect(blocked.body.data.map((x: any) => x.id)).toEqual([ids[0]]);
    expect((await call('GET', `${t.audit}/tasks?status=someday`, { key: t.readKey })).status).toBe(422);
  });

  it("answers 404 for another org's tasks and verifications, and 422 for its findings", async () => {
    const mine = await createTenant(stack.db.prisma, stack.baseUrl);
    const { t: theirs, taskId, findingId } = await taskOnMissingCsp();
    const { done } = await verify(theirs, taskId);
    for (const [method, path] of [
      ['GET', `tasks/${taskId}`],
      ['PATCH', `tasks/${taskId}`],
      ['GET', `verifications/${done.id}`],
      ['POST', `verifications/${done.id}/approve`],
      ['POST', `verifications/${done.id}/reopen`],
    ] as const) {
      const res = await call(method, `${mine.audit}/${path}`, { key: mine.writeKey, body: method === 'PATCH' ? { priority: 'low' } : undefined });
      expect(res.status).toBe(404);
    }
    expect((await call('POST', `${mine.audit}/tasks`, { key: mine.writeKey, body: { finding_id: findingId } })).status).toBe(422);
    expect((await call('POST', `${mine.audit}/verifications/run`, { key: mine.writeKey, body: { task_id: taskId } })).status).toBe(422);
    expect(await stack.db.prisma.task.count({ where: { org_id: mine.orgId } })).toBe(0);
  }, 60_000);
});
