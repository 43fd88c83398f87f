import { randomUUID } from 'node:crypto';
import { migrate } from '../../src/platform/migrate.ts';
import { verifySignature } from '../../src/notifications/signature.ts';
import { recordNotificationEvent } from '../../src/services/notification-outbox.ts';
import { call, eventually } from '../support/http.ts';
import { crash, isGone, spawnService, stopAll } from '../support/processes.ts';
import { distinctEventIds, startReceiver, type Receiver } from '../support/receivers.ts';
import { createScratchDatabase, dropDatabase } from '../support/scratch-database.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { createTenant, type Tenant } from '../support/tenants.ts';

/**
 * The worker, a real process (src/worker.ts: workers and the outbox relay), is killed (SIGKILL to
 * its process group) while a webhook and a Slack message are in flight: sent, the receivers
 * holding their answers. What docs/notifications.md promises:
 * - webhook, at least once: it is sent again after the kill, with the same body and event id, so a
 *   receiver that dedupes on `id` processes it exactly once; the delivery ends `delivered`;
 * - Slack, at most once: it is never sent again; the delivery ends `failed`, "outcome unknown";
 * - an event committed while no worker runs is delivered once one starts (nothing is lost).
 */
let stack: Stack;
let databaseUrl: string;
let hook: Receiver;
let slack: Receiver;

beforeAll(async () => {
  databaseUrl = await createScratchDatabase();
  await migrate(databaseUrl);
  stack = await startStack({ DATABASE_URL: databaseUrl }, { worker: false });
  [hook, slack] = await Promise.all([startReceiver('webhook'), startReceiver('slack')]);
});
afterAll(async () => {
  await stopAll();
  await stack?.close();
  await hook?.close();
  await slack?.close();
  if (databaseUrl) await dropDatabase(databaseUrl);
});

function worker() {
  // The stack's config carries the scratch database (startStack's env), so its service env does too.
  return spawnService('src/worker.ts', stack.serviceEnv({ NOTIFY_RETRY_INITIAL_MS: '200', NOTIFY_DISPATCH_POLL_MS: '200' }));
}

const emit = (t: Tenant) =>
  stack.db.prisma.$transaction((tx) =>
    recordNotificationEvent(tx, { orgId: t.orgId, projectId: t.projectId, type: 'verification.failed', data: { verification_id: randomUUID(), result: 'failed', cause: 'reopened' } }),
  );
const rows = (eventId: string) => stack.db.prisma.notificationDelivery.findMany({ where: { event_id: eventId }, orderBy: { channel: 'asc' } });

it('a worker killed between send and receipt: the webhook event is processed once (same id), Slack is not sent twice', async () => {
  const t = await createTenant(stack.db.prisma, stack.baseUrl);
  const created = await call('POST', `${t.audit}/channels`, { key: t.writeKey, body: { type: 'webhook', name: 'hook', config: { url: hook.url } } });
  const signingSecret = created.body.data.signing_secret as string;
  await call('POST', `${t.audit}/channels`, { key: t.writeKey, body: { type: 'slack', name: 'slack', config: { webhook_url: slack.url } } });
  await call('PUT', `${t.audit}/policies/current`, { key: t.writeKey, body: { name: 'p', config: { alert_routing: { 'verification.failed': ['webhook', 'slack'] } } } });

  hook.hold = true;
  slack.hold = true;
  const first = worker();
  const eventId = await emit(t);
  await Promise.all([hook.waitFor(1), slack.waitFor(1)]);
  // Both sent, neither answered: the webhook counted its attempt, Slack holds its claim.
  expect((await rows(eventId)).map((d) => [d.channel, d.status, d.attempts])).toEqual([
    ['slack', 'sending', 1],
    ['webhook', 'pending', 1],
  ]);

  const killed = await crash(first);
  expect(killed).toContain(first.pid);
  expect(killed.filter((pid) => !isGone(pid))).toEqual([]);
  hook.hold = false;
  slack.hold = false;
  hook.releaseHeld();
  slack.releaseHeld();

  // Committed while no worker runs: delivered once one starts.
  const whileDown = await emit(t);

  worker();
  const settled = await eventually(() => rows(eventId), (ds) => ds.length === 2 && ds.every((d) => d.status === 'delivered' || d.status === 'failed'), 120_000);
  expect(settled.map((d) => [d.channel, d.status, d.attempts])).toEqual([
    ['slack', 'failed', 1],
    ['webhook', 'delivered', 2],
  ]);
  expect(settled[0]!.last_error).toMatch(/^outcome unknown, not sent again/);
  const outcome = await stack.temporal.client.workflow.getHandle(`notification-${eventId}`).result();
  expect(outcome).toEqual({ delivered: 1, failed: 1 });

  const later = await eventually(() => rows(whileDown), (ds) => ds.length === 2 && ds.every((d) => d.status === 'delivered'), 60_000);
  expect(later.map((d) => d.attempts)).toEqual([1, 1]);

  // Webhook: the killed event arrived twice, byte for byte the same body; deduped on id, once.
  const ofKilled = hook.requests.filter((q) => JSON.parse(q.body).id === eventId);
  process.stderr.write(`notification kill test: webhook requests for the killed event ${ofKilled.length}, slack messages ${slack.requests.filter((q) => q.body.includes(eventId)).length}\n`);
  expect(ofKilled).toHaveLength(2);
  expect(new Set(ofKilled.map((q) => q.body)).size).toBe(1);
  for (const q of hook.requests) expect(verifySignature(q.headers['sitewarden-signature'] as string, q.body, signingSecret).ok).toBe(true);
  expect(distinctEventIds(hook)).toEqual(new Set([eventId, whileDown]));
  // Slack: one message for each event, never a second.
  expect(slack.requests.filter((q) => q.body.includes(eventId))).toHaveLength(1);
  expect(slack.requests.filter((q) => q.body.includes(whileDown))).toHaveLength(1);
}, 240_000);
