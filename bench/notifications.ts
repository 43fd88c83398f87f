/**
 * Notification delivery against the real API and worker processes (the worker runs the outbox
 * dispatcher), a Temporal dev server (in memory) and PostgreSQL (database
 * sitewarden_bench_notifications, recreated on every run), with three local receivers on
 * 127.0.0.1: a webhook endpoint, a Slack incoming-webhook fake and an SMTP server.
 *
 * 1 000 events (`scan.completed`, each written in its own transaction, as a state change writes
 * it) routed to three channels (webhook, slack, email): 3 000 deliveries. Printed: event →
 * delivered latency p50/p90/p99/max (outbox row created_at → receipt delivered_at) per channel and
 * overall, deliveries per second, and the duplicates the receivers saw (goal 0). Three runs: 30
 * events one a second (the pipeline's own latency, no backlog), 300 at PACED_RATE/s, and the burst
 * (all `events` committed at once by four writers: the throughput).
 *
 *   source scripts/lib.sh && ensure_node && ensure_temporal
 *   node_modules/.bin/tsx bench/notifications.ts [events]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { SMTPServer } from 'smtp-server';
import { createKey, createOrg, createProject } from '../src/admin/tenants.ts';
import { loadConfig } from '../src/platform/config.ts';
import { resolveInstanceSecret } from '../src/platform/crypto.ts';
import { connectDatabase } from '../src/platform/db.ts';
import { replaceCurrentPolicy } from '../src/services/current-policy.ts';
import { createChannel } from '../src/services/notification-channels.ts';
import { recordNotificationEvent } from '../src/services/notification-outbox.ts';
import { fixed, log, onCleanup, percentile, printTable, recreateDatabase, requireTemporalCli, runBench, startStack, waitUntil } from './support.ts';

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/sitewarden_bench_notifications';
const EVENTS = Number(process.argv[2] ?? 1_000);
const PACED_RATE = 5;
const TASK_QUEUE = 'bench-notifications';

/** Counts what arrives, by event id, so a second copy of anything shows. */
async function receivers() {
  const seen = { webhook: new Map<string, number>(), slack: new Map<string, number>(), email: new Map<string, number>() };
  const bump = (map: Map<string, number>, id: string | undefined) => id && map.set(id, (map.get(id) ?? 0) + 1);
  const http = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.url?.startsWith('/services/')) bump(seen.slack, body.match(/event ([0-9a-f-]{36})/)?.[1]);
      else bump(seen.webhook, (JSON.parse(body) as { id: string }).id);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        bump(seen.email, Buffer.concat(chunks).toString('utf8').match(/X-Sitewarden-Event-Id: (\S+)/i)?.[1]);
        done();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  onCleanup(async () => {
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });
  const port = (http.address() as AddressInfo).port;
  return {
    seen,
    webhookUrl: `http://127.0.0.1:${port}/hooks/bench`,
    slackUrl: `http://127.0.0.1:${port}/services/T0/B0/bench`,
    smtpUrl: `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`,
  };
}

async function main(): Promise<void> {
  const temporalCli = requireTemporalCli();
  log('recreating database sitewarden_bench_notifications; starting Temporal, the API and the worker');
  await recreateDatabase(DATABASE_URL);
  const r = await receivers();
  const env = {
    DATABASE_URL,
    TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    TEMPORAL_BROWSER_TASK_QUEUE: `${TASK_QUEUE}-browser`,
    LOG_LEVEL: 'warn',
    SITEWARDEN_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
    SMTP_URL: r.smtpUrl,
    NOTIFY_DISPATCH_POLL_MS: '500',
    PUBLIC_BASE_URL: 'http://reports.sitewarden.test',
  };
  await startStack(temporalCli, env);
  const config = loadConfig({ ...process.env, ...env });
  const db = connectDatabase(DATABASE_URL, 4);
  onCleanup(() => db.close());
  const { prisma } = db;
  const secret = resolveInstanceSecret(config);

  const org = await createOrg(prisma, 'bench-notifications');
  await createKey(prisma, { orgId: org.id, scopes: ['audit:write'] });
  const project = await createProject(prisma, org.id, 'bench-site');
  const tenant = { orgId: org.id, projectId: project.id };
  await createChannel(prisma, tenant, { type: 'webhook', name: 'hook', config: { url: r.webhookUrl } }, secret, config.allowlist);
  await createChannel(prisma, tenant, { type: 'slack', name: 'slack', config: { webhook_url: r.slackUrl } }, secret, config.allowlist);
  await createChannel(prisma, tenant, { type: 'email', name: 'mail', config: { to: ['ops@example.com'] } }, secret, config.allowlist);
  await replaceCurrentPolicy(prisma, tenant, 'bench', { alert_routing: { 'scan.completed': ['webhook', 'slack', 'email'] } });

  const emit = (i: number) =>
    prisma.$transaction((tx) =>
      recordNotificationEvent(tx, { orgId: org.id, projectId: project.id, type: 'scan.completed', data: { scan_run_id: `bench-${i}`, url: 'https://example.com/', status: 'completed', health_score: 80, findings: 3, failure_reason: null } }),
    );

  async function run(name: string, emitAll: () => Promise<string[]>) {
    const started = Date.now();
    const ids = await emitAll();
    const emitMs = Date.now() - started;
    await waitUntil(`${ids.length * 3} deliveries`, 30 * 60_000, async () => {
      const open = await prisma.notificationDelivery.count({ where: { event_id: { in: ids }, status: { in: ['pending', 'sending'] } } });
      const total = await prisma.notificationDelivery.count({ where: { event_id: { in: ids } } });
      return total === ids.length * 3 && open === 0;
    }, 500);
    const rows = await prisma.$queryRaw<Array<{ channel: string; status: string; ms: number; delivered_at: Date }>>`
      SELECT d.channel::text AS channel, d.status::text AS status,
             EXTRACT(EPOCH FROM (d.delivered_at - e.created_at)) * 1000 AS ms, d.delivered_at
        FROM notification_deliveries d JOIN notification_events e ON e.id = d.event_id
       WHERE d.event_id = ANY(${ids}::uuid[])`;
    const delivered = rows.filter((row) => row.status === 'delivered');
    const firstEvent = await prisma.notificationEvent.findFirstOrThrow({ where: { id: { in: ids } }, orderBy: { created_at: 'asc' } });
    const lastDelivery = Math.max(...delivered.map((row) => row.delivered_at.getTime()));
    const wallS = (lastDelivery - firstEvent.created_at.getTime()) / 1000;
    const line = (label: string, values: number[]) => [label, String(values.length), ...[0.5, 0.9, 0.99].map((q) => fixed(0)(percentile(values, q))), fixed(0)(Math.max(...values))];
    printTable(
      `${name}: ${ids.length} events × 3 channels, event committed → delivery recorded (ms); events written in ${emitMs} ms`,
      ['channel', 'delivered', 'p50', 'p90', 'p99', 'max'],
      [...['webhook', 'slack', 'email'].map((c) => line(c, delivered.filter((row) => row.channel === c).map((row) => Number(row.ms)))), line('all', delivered.map((row) => Number(row.ms)))],
    );
    const dupes = Object.fromEntries(Object.entries(r.seen).map(([c, m]) => [c, [...ids].filter((id) => (m.get(id) ?? 0) > 1).length]));
    const missing = Object.fromEntries(Object.entries(r.seen).map(([c, m]) => [c, ids.filter((id) => !m.has(id)).length]));
    console.log(`${name}: ${delivered.length}/${rows.length} delivered in ${wallS.toFixed(1)} s = ${(delivered.length / wallS).toFixed(1)} deliveries/s; duplicates ${JSON.stringify(dupes)}; missing at receivers ${JSON.stringify(missing)}\n`);
  }

  const paced = (count: number, perSecond: number, offset: number) => async () => {
    const ids: string[] = [];
    const t0 = Date.now();
    for (let i = 0; i < count; i++) {
      const due = t0 + (i * 1000) / perSecond;
      if (due > Date.now()) await sleep(due - Date.now());
      ids.push(await emit(offset + i));
    }
    return ids;
  };
  // Below capacity first (the pipeline's own latency), then at a steady rate, then all at once.
  log('isolated: 30 events, one a second');
  await run('isolated 1/s', paced(30, 1, 0));
  log(`paced: 300 events at ${PACED_RATE}/s`);
  await run(`paced ${PACED_RATE}/s`, paced(300, PACED_RATE, 100));
  log(`burst: ${EVENTS} events`);
  await run('burst', async () => {
    const ids: string[] = [];
    // Four writers at once, each event its own transaction.
    await Promise.all(
      Array.from({ length: 4 }, async (_, w) => {
        for (let i = w; i < EVENTS; i += 4) ids.push(await emit(1_000 + i));
      }),
    );
    return ids;
  });
}

runBench('notifications', main, 40 * 60_000);
