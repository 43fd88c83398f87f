import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { verifySignature } from '../../src/notifications/signature.ts';
import { parseHostAllowlist } from '../../src/gather/ssrf/host-allowlist.ts';
import { resolveInstanceSecret } from '../../src/platform/crypto.ts';
import { activeSigningKey, rotateSigningKey, SigningKeyUnavailable } from '../../src/platform/signing.ts';
import { createChannel } from '../../src/services/notification-channels.ts';
import { recordNotificationEvent } from '../../src/services/notification-outbox.ts';
import { recordSlaBreaches } from '../../src/services/task-sla.ts';
import { migrate } from '../../src/platform/migrate.ts';
import { createScratchDatabase, dropDatabase } from '../support/scratch-database.ts';
import { startFixtureSite, type FixtureSite } from '../support/fixture-site.ts';
import { call, eventually } from '../support/http.ts';
import { distinctEventIds, startReceiver, type Receiver } from '../support/receivers.ts';
import { decodeQuotedPrintable, startSmtp, type SmtpSink } from '../support/smtp.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { createTenant, type Tenant } from '../support/tenants.ts';

/**
 * Notifications end to end (docs/notifications.md): the API, a worker with the outbox dispatcher,
 * a Temporal dev server and PostgreSQL, with a webhook receiver, a Slack incoming-webhook fake and
 * an SMTP server on 127.0.0.1.
 */
let stack: Stack;
let site: FixtureSite;
let smtp: SmtpSink;

let databaseUrl: string;

beforeAll(async () => {
  // A database of its own: the relay dispatches every event it sees, and other files' stacks
  // (other Temporal servers) write theirs to the shared test database.
  databaseUrl = await createScratchDatabase();
  await migrate(databaseUrl);
  smtp = await startSmtp();
  [stack, site] = await Promise.all([
    // Short backoff so four attempts take well under a second.
    startStack({ DATABASE_URL: databaseUrl, NOTIFY_RETRY_INITIAL_MS: '100', NOTIFY_DISPATCH_POLL_MS: '200', SMTP_URL: smtp.url, PUBLIC_BASE_URL: 'http://reports.sitewarden.test' }, { dispatcher: true }),
    startFixtureSite(),
  ]);
});
afterAll(async () => {
  await stack?.close();
  await site?.close();
  await smtp?.close();
  if (databaseUrl) await dropDatabase(databaseUrl);
});

const receivers: Receiver[] = [];
async function receiver(kind: 'webhook' | 'slack' = 'webhook') {
  const r = await startReceiver(kind);
  receivers.push(r);
  return r;
}
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
});

async function addChannel(t: Tenant, type: 'slack' | 'webhook' | 'email', name: string, config: unknown) {
  const res = await call('POST', `${t.audit}/channels`, { key: t.writeKey, body: { type, name, config } });
  expect(res.status).toBe(201);
  return res.body.data as { id: string; signing_secret: string | null };
}

async function putPolicy(t: Tenant, config: Record<string, unknown>) {
  const res = await call('PUT', `${t.audit}/policies/current`, { key: t.writeKey, body: { name: 'notify', config } });
  expect(res.status).toBe(200);
}

/** An event as a state change writes it: in its transaction, which here does nothing else. */
function emit(t: Tenant, type: 'verification.failed' | 'scan.completed' = 'verification.failed') {
  return stack.db.prisma.$transaction((tx) =>
    recordNotificationEvent(tx, { orgId: t.orgId, projectId: t.projectId, type, data: { verification_id: randomUUID(), task_id: randomUUID(), finding_id: randomUUID(), result: 'failed', cause: 'evaluated' } }),
  );
}

const deliveries = async (t: Tenant, query = '') => (await call('GET', `${t.audit}/notifications/deliveries${query}`, { key: t.readKey })).body.data as any[];

describe('channels', () => {
  it('creates, lists and deletes; never returns the config; shows the signing secret once', async () => {
    const t = await createTenant(stack.db.prisma, stack.baseUrl);
    const hook = await addChannel(t, 'webhook', 'ops-hook', { url: 'http://127.0.0.1:9/hooks/very-secret-path' });
    expect(hook.signing_secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const slack = await addChannel(t, 'slack', 'ops-slack', { webhook_url: 'http://127.0.0.1:9/services/T1/B1/slack-secret-token' });
    expect(slack.signing_secret).toBeNull();
    await addChannel(t, 'email', 'oncall', { to: ['oncall@example.com'] });

    const list = await call('GET', `${t.audit}/channels`, { key: t.readKey });
    expect(list.status).toBe(200);
    expect(list.body.data.map((c: any) => [c.name, c.type, c.target])).toEqual([
      ['ops-hook', 'webhook', 'http://127.0.0.1:9/…'],
      ['ops-slack', 'slack', 'http://127.0.0.1:9/…'],
      ['oncall', 'email', '1 recipient'],
    ]);
    for (const secret of ['very-secret-path', 'slack-secret-token', hook.signing_secret!, 'oncall@example.com']) expect(list.text).not.toContain(secret);
    // At rest: AES-256-GCM, no plaintext in the row.
    const rows = await stack.db.prisma.notificationChannelSetting.findMany({ where: { org_id: t.orgId } });
    for (const row of rows) {
      expect(row.config_encrypted).toMatch(/^v1:/);
      expect(JSON.stringify(row)).not.toMatch(/very-secret-path|slack-secret-token|oncall@example\.com|whsec_/);
    }

    const duplicate = await call('POST', `${t.audit}/channels`, { key: t.writeKey, body: { type: 'email', name: 'oncall', config: { to: ['x@example.com'] } } });
    expect(duplicate.status).toBe(422);
    const del = await call('DELETE', `${t.audit}/channels/${slack.id}`, { key: t.writeKey });
    expect(del.status).toBe(200);
    expect((await call('DELETE', `${t.audit}/channels/${slack.id}`, { key: t.writeKey })).status).toBe(404);
    expect((await call('DELETE', `${t.audit}/channels/${hook.id}`, { key: t.readKey })).status).toBe(403);
    // Another org's channel is not found, not forbidden.
    const other = await createTenant(stack.db.prisma, stack.baseUrl);
    expect((await call('DELETE', `${other.audit}/channels/${hook.id}`, { key: other.writeKey })).status).toBe(404);
  });

  it('refuses private and malformed URLs and bad configs with 422, naming the field', async () => {
    const t = await createTenant(stack.db.prisma, stack.baseUrl);
    const refused = [
      ['webhook', { url: 'http://10.0.0.5/hook' }, 'config.url'],
      ['webhook', { url: 'http://169.254.169.254/latest/meta-data' }, 'config.url'],
      ['webhook', { url: 'http://localhost:8080/hook' }, 'config.url'],
      ['webhook', { url: 'http://[::1]:8080/hook' }, 'config.url'],
      ['webhook', { url: 'http://0x7f000002/hook' }, 'config.url'],
      ['slack', { webhook_url: 'http://192.168.1.10/services/x' }, 'config.webhook_url'],
      ['webhook', { url: 'ftp://example.com/x' }, 'config.url'],
      ['webhook', { webhook_url: 'https://example.com/x' }, 'config.webhook_url'],
      ['email', { to: ['not an address'] }, 'config.to.0'],
      ['email', { to: [] }, 'config.to'],
    ] as const;
    for (const [type, config, field] of refused) {
      const res = await call('POST', `${t.audit}/channels`, { key: t.writeKey, body: { type, name: `c-${randomUUID()}`, config } });
      expect([type, res.status]).toEqual([type, 422]);
      expect(Object.keys(res.body.error.details ?? {})).toContain(field);
      expect(res.body.error.code).toBe('invalid_params');
    }
    expect(await stack.db.prisma.notificationChannelSetting.count({ where: { org_id: t.orgId } })).toBe(0);
  });

  it('policies/test shows which channels each event reaches', async () => {
    const t = await createTenant(stack.db.prisma, stack.baseUrl);
    const slack = await addChannel(t, 'slack', 'ops-slack', { webhook_url: 'http://127.0.0.1:9/services/a' });
    const hook = await addChannel(t, 'webhook', 'ops-hook', { url: 'http://127.0.0.1:9/hook' });
    const res = await call('POST', `${t.audit}/policies/test`, {
      key: t.readKey,
      body: { config: { alert_routing: { critical: ['slack', 'ops-hook'], 'scan.failed': [hook.id], high: ['pager'] } } },
    });
    expect(res.status).toBe(200);
    const routes = res.body.data.alert_routing.routes;
    const reach = (type: string, severity: string | null) => routes.find((r: any) => r.event_type === type && r.severity === severity)?.channels.map((c: any) => c.id).sort();
    expect(reach('finding.critical_detected', 'critical')).toEqual([slack.id, hook.id].sort());
    expect(reach('finding.regressed', 'critical')).toEqual([slack.id, hook.id].sort());
    expect(reach('scan.failed', null)).toEqual([hook.id]);
    expect(reach('scan.completed', null)).toBeUndefined();
    expect(res.body.data.alert_routing.unmatched_entries).toEqual([{ key: 'high', entry: 'pager' }]);
  });
});

describe('delivery', () => {
  it('a scan with a critical finding routed to Slack and a webhook: exactly one message each, and the signature verifies', async () => {
    const t = await createTenant(stack.db.prisma, stack.baseUrl);
    const [hookReceiver, slackReceiver] = [await receiver('webhook'), await receiver('slack')];
    const hook = await addChannel(t, 'webhook', 'ops-hook', { url: hookReceiver.url });
    await addChannel(t, 'slack', 'ops-slack', { webhook_url: slackReceiver.url });
    // One check made critical, the rest of the domain low: exactly one critical finding.
    await putPolicy(t, { severity_rules: { security: 'low', 'security.csp_missing': 'critical' }, alert_routing: { critical: ['slack', 'webhook'] } });

    const started = await call('POST', `${t.audit}/scans/run`, { key: t.writeKey, body: { url: site.defectsUrl, scanners: ['security'] } });
    expect(started.status).toBe(202);
    await stack.temporal.client.workflow.getHandle(started.body.data.workflow_id).result();
    const critical = await call('GET', `${t.audit}/findings?severity=critical`, { key: t.readKey });
    expect(critical.body.data.map((f: any) => f.check_id)).toEqual(['security.csp_missing']);

    const settled = await eventually(() => deliveries(t), (rows) => rows.length === 2 && rows.every((d) => d.status === 'delivered'), 30_000);
    expect(settled.map((d) => [d.channel, d.status, d.attempts, d.response_code]).sort()).toEqual([
      ['slack', 'delivered', 1, 200],
      ['webhook', 'delivered', 1, 200],
    ]);
    // The outbox holds the scan's events: its completion (routed nowhere) and the critical finding.
    const events = await stack.db.prisma.notificationEvent.findMany({ where: { org_id: t.orgId }, orderBy: { created_at: 'asc' } });
    expect(events.map((e) => e.type).sort()).toEqual(['finding.critical_detected', 'scan.completed']);
    const criticalEvent = events.find((e) => e.type === 'finding.critical_detected')!;

    // Give any stray duplicate time to arrive before counting.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(hookReceiver.requests).toHaveLength(1);
    expect(slackReceiver.requests).toHaveLength(1);

    const [request] = hookReceiver.requests;
    const body = JSON.parse(request!.body);
    expect(Object.keys(body)).toEqual(['id', 'type', 'created_at', 'data']);
    expect(body).toMatchObject({ id: criticalEvent.id, type: 'finding.critical_detected', data: { severity: 'critical', check_id: 'security.csp_missing', project_id: t.projectId } });
    const check = verifySignature(request!.headers['sitewarden-signature'] as string, request!.body, hook.signing_secret!);
    expect(check).toMatchObject({ ok: true });
    // The same body with another secret does not verify.
    expect(verifySignature(request!.headers['sitewarden-signature'] as string, request!.body, 'whsec_wrong').ok).toBe(false);

    const slackBody = JSON.parse(slackReceiver.requests[0]!.body);
    expect(slackBody.text).toContain('Critical finding');
    expect(slackReceiver.requests[0]!.body).toContain(criticalEvent.id);
  }, 120_000);

  it('a receiver answering 500 three times, then 200: delivered at the 4th attempt, the attempts recorded', async () => {
    const t = await createTenant(stack.db.prisma, stack.baseUrl);
    const r = await receiver('webhook');
    r.script = [500, 500, 500];
    const hook = await addChannel(t, 'webhook', 'flaky', { url: r.url });
    await putPolicy(t, { alert_routing: { 'verification.failed': ['flaky'] } });
    const eventId = await emit(t);

    const [row] = await eventually(() => deliveries(t), (rows) => rows[0]?.status === 'delivered', 30_000);
    expect(row).toMatchObject({ event_id: eventId, channel_id: hook.id, status: 'delivered', attempts: 4, response_code: 200, last_error: null, idempotency_key: `event:${eventId}:${hook.id}` });
    expect(r.requests.map((q) => q.answered)).toEqual([500, 500, 500, 200]);
    // Each attempt carried the same body (same id) and its own fresh signature.
    expect(new Set(r.requests.map((q) => q.body)).size).toBe(1);
    for (const q of r.requests) expect(verifySignature(q.headers['sitewarden-signature'] as string, q.body, hook.signing_secret!).ok).toBe(true);
    // Temporal ran the attempts: its history shows the activity's 4th attempt.
    const history = await stack.temporal.client.workflow.getHandle(`notification-${eventId}`).fetchHistory();
    const attempts = history.events!.filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!.attempt);
    expect(attempts).toEqual([4]);
  }, 60_000);

  it('a 4xx other than 408/429 is final: failed at once with its code; POST …/retry sends it again', async () => {
    const t = await createTenant(stack.db.prisma, stack.baseUrl);
    const r = await receiver('slack');
    r.script = [404];
    await addChannel(t, 'slack', 'revoked', { webhook_url: r.url });
    await putPolicy(t, { alert_routing: { 'verification.failed': ['slack'] } });
    await emit(t);
    const [failed] = await eventually(() => deliveries(t), (rows) => rows[0]?.status === 'failed', 30_000);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, response_code: 404, last_error: 'the receiver answered HTTP 404' });
    expect(r.requests).toHaveLength(1);

    // Filters: by status and by event type.
    expect(await deliveries(t, '?status=delivered')).toEqual([]);
    expect((await deliveries(t, '?event_type=verification.failed')).map((d) => d.id)).toEqual([failed.id]);

    const retry = await call('POST', `${t.audit}/notifications/deliveries/${failed.id}/retry`, { key: t.writeKey });
    expect(retry.status).toBe(202);
    const [again] = await eventually(() => deliveries(t), (rows) => rows[0]?.status === 'delivered', 30_000);
    expect(again).toMatchObject({ id: failed.id, status: 'delivered', attempts: 2, response_code: 200 });
    expect(r.requests).toHaveLength(2);
    // Only a failed delivery can be retried.
    expect((await call('POST', `${t.audit}/notifications/deliveries/${failed.id}/retry`, { key: t.writeKey })).status).toBe(409);
    expect((await call('POST', `${t.audit}/notifications/deliveries/${randomUUID()}/retry`, { key: t.writeKey })).status).toBe(404);
  }, 60_000);

  it('email over SMTP; the receipts page with a cursor', async () => {
    const t = await createTenant(stack.db.prisma, stack.baseUrl);
    await addChannel(t, 'email', 'oncall', { to: ['oncall@example.com', 'lead@example.com'] });
    await putPolicy(t, { alert_routing: { 'scan.completed': ['email'] } });
    const before = smtp.messages.length;
    const ids = [await emit(t, 'scan.completed'), await emit(t, 'scan.completed'), await emit(t, 'scan.completed')];
    await eventually(() => deliveries(t, '?status=delivered'), (rows) => rows.length === 3, 30_000);
    const mails = smtp.messages.slice(before);
    expect(mails).toHaveLength(3);
    expect(mails.every((m) => m.to.sort().join() === 'lead@example.com,oncall@example.com')).toBe(true);
    expect(new Set(mails.map((m) => decodeQuotedPrintable(m.raw).match(/X-Sitewarden-Event-Id: (\S+)/i)?.[1]))).toEqual(new Set(ids));

    const first = await call('GET', `${t.audit}/notifications/deliveries?limit=2`, { key: t.readKey });
    expect(first.body.data).toHaveLength(2);
    expect(first.body.meta.total).toBe(3);
    const second = await call('GET', `${t.audit}/notifications/deliveries?limit=2&cursor=${first.body.meta.next_cursor}`, { key: t.readKey });
    expect(second.body.data).toHaveLength(1);
    expect(second.body.meta.next_cursor).toBeNull();
    expect(new Set([...first.body.data, ...second.body.data].map((d: any) => d.event_id))).toEqual(new Set(ids));
    expect((await call('GET', `${t.audit}/notifications/deliveries?cursor=bogus`, { key: t.readKey })).status).toBe(422);
  }, 60_000);

  it('checks the URL again at send time: a channel stored under a wider allowlist is refused, nothing sent', async () => {
    const t = await createTenant(stack.db.prisma, stack.baseUrl);
    // As if SITEWARDEN_ALLOW_PRIVATE_HOSTS had named 10.0.0.0/8 when it was configured, and no longer does.
    const { channel } = await createChannel(
      stack.db.prisma,
      t,
      { type: 'webhook', name: 'inside', config: { url: 'http://10.1.2.3:8080/hook' } },
      resolveInstanceSecret(stack.config),
      parseHostAllowlist('10.0.0.0/8'),
    );
    await putPolicy(t, { alert_routing: { 'verification.failed': [channel.id] } });
    await emit(t);
    const [row] = await eventually(() => deliveries(t), (rows) => rows[0]?.status === 'failed', 30_000);
    expect(row).toMatchObject({ status: 'failed', attempts: 1, response_code: null, last_error: expect.stringMatching(/^the URL was refused: .*private or reserved address range/) });
  }, 60_000);

  it('a re-dispatched event starts no second workflow and sends nothing twice', async () => {
    const t = await createTenant(stack.db.prisma, stack.baseUrl);
    const r = await receiver('webhook');
    await addChannel(t, 'webhook', 'hook', { url: r.url });
    await putPolicy(t, { alert_routing: { 'verification.failed': ['webhook'] } });
    const eventId = await emit(t);
    await eventually(() => deliveries(t), (rows) => rows[0]?.status === 'delivered', 30_000);
    // As if the dispatcher had crashed before marking it: dispatched again.
    await stack.db.prisma.notificationEvent.update({ where: { id: eventId }, data: { dispatched_at: null } });
    await eventually(() => stack.db.prisma.notificationEvent.findUniqueOrThrow({ where: { id: eventId } }), (e) => e.dispatched_at !== null, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(r.requests).toHaveLength(1);
    expect(distinctEventIds(r)).toEqual(new Set([eventId]));
  }, 60_000);
});

describe('the relay', () => {
  const eventRow = (id: string) => stack.db.prisma.notificationEvent.findUniqueOrThrow({ where: { id } });
  const workflowOf = (eventId: string) =>
    stack.temporal.client.workflow
      .getHandle(`notification-${eventId}`)
      .describe()
      .then(
        (d) => d.status.name,
        (err: unknown) => (err instanceof WorkflowNotFoundError ? 'not found' : Promise.reject(err)),
      );

  it('starts no workflow for an event no channel receives: it is dispatched, kept, with no deliveries; a routed one beside it is delivered', async () => {
    // A project whose policy routes scan.completed only, one with no channel at all, and one with a
    // Slack channel and no stored policy (the default routes critical and high finding events to Slack).
    const routedOnly = await createTenant(stack.db.prisma, stack.baseUrl);
    const hookReceiver = await receiver('webhook');
    await addChannel(routedOnly, 'webhook', 'hook', { url: hookReceiver.url });
    await putPolicy(routedOnly, { alert_routing: { 'scan.completed': ['webhook'] } });
    const noChannel = await createTenant(stack.db.prisma, stack.baseUrl);
    const byDefault = await createTenant(stack.db.prisma, stack.baseUrl);
    const slackReceiver = await receiver('slack');
    await addChannel(byDefault, 'slack', 'ops', { webhook_url: slackReceiver.url });
    const regressed = (t: Tenant, severity: 'critical' | 'low') =>
      stack.db.prisma.$transaction((tx) =>
        recordNotificationEvent(tx, { orgId: t.orgId, projectId: t.projectId, type: 'finding.regressed', severity, data: { finding_id: randomUUID(), severity, trigger: 'verification_reopened' } }),
      );

    const unrouted = [await emit(routedOnly), await emit(noChannel), await emit(noChannel, 'scan.completed'), await regressed(byDefault, 'low')];
    const routed = [await emit(routedOnly, 'scan.completed'), await regressed(byDefault, 'critical')];

    await eventually(() => deliveries(routedOnly), (rows) => rows.length === 1 && rows[0].status === 'delivered', 30_000);
    await eventually(() => deliveries(byDefault), (rows) => rows.length === 1 && rows[0].status === 'delivered', 30_000);
    for (const id of unrouted) await eventually(() => eventRow(id), (e) => e.dispatched_at !== null, 10_000);
    // Kept as written, dispatched, no delivery, and no workflow was ever started for it.
    for (const id of unrouted) {
      expect(await eventRow(id)).toMatchObject({ id, dispatched_at: expect.any(Date) });
      expect(await stack.db.prisma.notificationDelivery.count({ where: { event_id: id } })).toBe(0);
      expect(await workflowOf(id)).toBe('not found');
    }
    for (const id of routed) {
      expect((await eventRow(id)).dispatched_at).not.toBeNull();
      expect(await workflowOf(id)).toBe('COMPLETED');
    }
    expect(distinctEventIds(hookReceiver)).toEqual(new Set([routed[0]]));
    expect(slackReceiver.requests.map((q) => q.body.includes(routed[1]!))).toEqual([true]);

    // A channel added later is not sent an event already dispatched (as when a workflow had routed
    // it nowhere); the next event of that kind reaches it.
    const late = await receiver('webhook');
    await addChannel(noChannel, 'webhook', 'late', { url: late.url });
    await putPolicy(noChannel, { alert_routing: { 'verification.failed': ['late'] } });
    const next = await emit(noChannel);
    await eventually(() => deliveries(noChannel), (rows) => rows.length === 1 && rows[0].status === 'delivered', 30_000);
    expect(distinctEventIds(late)).toEqual(new Set([next]));
  }, 90_000);
});

describe('the outbox', () => {
  it('a rescan writes no second critical event; a verification, its reopen (regression) and an export write theirs', async () => {
    const t = await createTenant(stack.db.prisma, stack.baseUrl);
    await putPolicy(t, { severity_rules: { security: 'low', 'security.csp_missing': 'critical' } });
    const scan = async () => {
      const started = await call('POST', `${t.audit}/scans/run`, { key: t.writeKey, body: { url: site.defectsUrl, scanners: ['security'] } });
      await stack.temporal.client.workflow.getHandle(started.body.data.workflow_id).result();
    };
    await scan();
    await scan();
    const types = async () => (await stack.db.prisma.notificationEvent.findMany({ where: { org_id: t.orgId }, orderBy: { created_at: 'asc' } })).map((e) => e.type);
    expect(await types()).toEqual(['finding.critical_detected', 'scan.completed', 'scan.completed']);

    // A verification of the (still missing) CSP fails: verification.failed, in the transaction that sets the result.
    const findings = await call('GET', `${t.audit}/findings?severity=critical`, { key: t.readKey });
    const task = await call('POST', `${t.audit}/tasks`, { key: t.writeKey, body: { finding_id: findings.body.data[0].id } });
    for (const status of ['in_progress', 'ready_verify']) await call('PATCH', `${t.audit}/tasks/${task.body.data.id}`, { key: t.writeKey, body: { status } });
    const run = await call('POST', `${t.audit}/verifications/run`, { key: t.writeKey, body: { task_id: task.body.data.id } });
    expect(run.status).toBe(202);
    await eventually(() => call('GET', `${t.audit}/verifications/${run.body.data.id}`, { key: t.readKey }), (r) => r.body.data.result !== 'pending', 60_000);
    const verificationEvent = await eventually(
      () => stack.db.prisma.notificationEvent.findFirst({ where: { org_id: t.orgId, type: { startsWith: 'verification.' } } }),
      (e) => e !== null,
      10_000,
    );
    expect(verificationEvent).toMatchObject({ type: 'verification.failed', data: { verification_id: run.body.data.id, task_id: task.body.data.id, result: 'failed', cause: 'evaluated' } });

    // Reopened: a regression opens, and finding.regressed with it (the result was failed already: no second verification event).
    const reopened = await call('POST', `${t.audit}/verifications/${run.body.data.id}/reopen`, { key: t.writeKey });
    expect(reopened.status).toBe(200);
    const regressed = await stack.db.prisma.notificationEvent.findMany({ where: { org_id: t.orgId, type: 'finding.regressed' } });
    expect(regressed).toEqual([expect.objectContaining({ severity: 'critical', data: expect.objectContaining({ finding_id: findings.body.data[0].id, trigger: 'verification_reopened' }) })]);
    expect(await stack.db.prisma.notificationEvent.count({ where: { org_id: t.orgId, type: { startsWith: 'verification.' } } })).toBe(1);

    // An export: report.exported, with the report's id and digest.
    const secret = resolveInstanceSecret(stack.config);
    await activeSigningKey(stack.db.prisma, secret).catch((err) => {
      if (!(err instanceof SigningKeyUnavailable)) throw err;
      return rotateSigningKey(stack.db.prisma, secret);
    });
    const exported = await call('POST', `${t.audit}/reports/export`, { key: t.writeKey, body: { format: 'json' } });
    expect(exported.status).toBe(202);
    await stack.temporal.client.workflow.getHandle(exported.body.data.workflow_id).result();
    const report = await stack.db.prisma.report.findUniqueOrThrow({ where: { id: exported.body.data.id } });
    const reportEvent = await stack.db.prisma.notificationEvent.findFirstOrThrow({ where: { org_id: t.orgId, type: 'report.exported' } });
    expect(reportEvent.data).toMatchObject({ report_id: report.id, format: 'json', sha256: report.sha256 });
  }, 120_000);

  it('holds an event only if its transaction committed', async () => {
    const t = await createTenant(stack.db.prisma, stack.baseUrl);
    await expect(
      stack.db.prisma.$transaction(async (tx) => {
        await recordNotificationEvent(tx, { orgId: t.orgId, projectId: t.projectId, type: 'scan.failed', data: {} });
        throw new Error('the state change fails');
      }),
    ).rejects.toThrow('the state change fails');
    expect(await stack.db.prisma.notificationEvent.count({ where: { org_id: t.orgId } })).toBe(0);
  });

  it('task.sla_breached: once per task past its SLA', async () => {
    const t = await createTenant(stack.db.prisma, stack.baseUrl);
    const finding = await stack.db.prisma.finding.create({
      data: { org_id: t.orgId, project_id: t.projectId, domain: 'security', check_id: 'security.csp_missing', title: `t-${randomUUID()}`, description: 'd', severity: 'high', status: 'new', affected_assets: [] },
    });
    const task = await call('POST', `${t.audit}/tasks`, { key: t.writeKey, body: { finding_id: finding.id, sla_due_at: new Date(Date.now() - 60_000).toISOString() } });
    expect(task.status).toBe(201);
    await recordSlaBreaches(stack.db.prisma);
    await recordSlaBreaches(stack.db.prisma);
    const events = await stack.db.prisma.notificationEvent.findMany({ where: { org_id: t.orgId, type: 'task.sla_breached' } });
    expect(events.map((e) => (e.data as any).task_id)).toEqual([task.body.data.id]);
  });
});
