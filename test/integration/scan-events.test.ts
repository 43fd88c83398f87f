import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { startApiServer, type RunningApi } from '../../src/api/server.ts';
import { serializeScanRun } from '../../src/api/serializers/scan-run.ts';
import { createScanRunActivities } from '../../src/activities/scan-runs.ts';
import { connectDatabase, type Database, type Db } from '../../src/platform/db.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createScanEventHub, type ScanEventHub } from '../../src/services/scan-event-hub.ts';
import { startFixtureSite, type FixtureSite } from '../support/fixture-site.ts';
import { call, eventually } from '../support/http.ts';
import { openEvents, type ReceivedEvent, type SseClient } from '../support/sse.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { createTenant, type Tenant } from '../support/tenants.ts';

/**
 * GET scans/:id/events on the real stack: the workflow's bookkeeping activities log and NOTIFY
 * each change, the API's one LISTEN connection fans it out to the open streams.
 */

let stack: Stack;
let site: FixtureSite;
let t: Tenant;

const HEARTBEAT_MS = 200;

beforeAll(async () => {
  [stack, site] = await Promise.all([startStack({ SSE_HEARTBEAT_MS: String(HEARTBEAT_MS) }), startFixtureSite()]);
  t = await createTenant(stack.db.prisma, stack.baseUrl);
});
afterAll(async () => {
  await stack.close();
  await site.close();
});

const eventsUrl = (scanId: string, tenant = t) => `${tenant.audit}/scans/${scanId}/events`;

/** A light scan of a page answered after 3 s: the slots change while a client watches. */
async function startSlowScan(tag: string): Promise<{ id: string }> {
  const res = await call('POST', `${t.audit}/scans/run`, { key: t.writeKey, body: { url: `${site.slowUrl}?${tag}`, scanners: ['security', 'seo'] } });
  expect(res.status).toBe(202);
  return res.body.data;
}

/** The run's event log as the database holds it. */
async function eventLog(scanId: string) {
  return stack.db.prisma.scanRunEvent.findMany({ where: { scan_run_id: scanId }, orderBy: { seq: 'asc' } });
}

async function getScan(scanId: string) {
  return (await call('GET', `${t.audit}/scans/${scanId}`, { key: t.readKey })).body.data;
}

/** A run with no workflow, held `running`: its slots change only when a test changes them. */
async function heldRun(tenant: Tenant = t) {
  return stack.db.prisma.scanRun.create({
    data: {
      org_id: tenant.orgId,
      project_id: tenant.projectId,
      url: 'http://127.0.0.1:9/held',
      scanners: ['seo'],
      status: 'running',
      scanner_status: { seo: { status: 'pending' } },
      analysis: { status: 'pending' },
      workflow_id: `held-${randomUUID()}`,
    },
  });
}

const bookkeeping = () => createScanRunActivities(stack.db.prisma, { pageSpeedConfigured: false, browserTaskQueue: 'unused' });

/** What the log says each event after `afterSeq` is, as the stream must send it. */
function expectMatchesLog(received: ReceivedEvent[], log: Awaited<ReturnType<typeof eventLog>>, afterSeq: number, finalScan: unknown) {
  const expected = log.filter((row) => row.seq > afterSeq);
  expect(received.map((e) => Number(e.id))).toEqual(expected.map((row) => row.seq));
  expect(received.map((e) => e.event)).toEqual(expected.map((row) => row.kind));
  for (const [i, row] of expected.entries()) {
    if (row.kind === 'completed' || row.kind === 'failed') expect(received[i]!.data).toEqual(finalScan);
    else expect(received[i]!.data).toEqual(row.data);
  }
}

describe('a running scan', () => {
  it('streams its state, then every slot and AI stage change in order, then the scan as GET scans/:id serialises it, and ends', async () => {
    const scan = await startSlowScan('live');
    const sse = await openEvents(eventsUrl(scan.id), { key: t.readKey });
    expect(sse.status).toBe(200);
    expect(sse.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(sse.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(sse.headers.get('x-accel-buffering')).toBe('no');
    await sse.ended;

    // The start: each slot of the run in scanner order and its AI stage, all at the seq they reflect.
    const [first, second, stage] = sse.events;
    const startSeq = Number(first!.id);
    expect(first).toMatchObject({ event: 'scanner', data: { scanner: 'security' } });
    expect(second).toMatchObject({ id: String(startSeq), event: 'scanner', data: { scanner: 'seo' } });
    expect(stage).toMatchObject({ id: String(startSeq), event: 'analysis' });

    // Then every change the run logged after it, once each, in order, and the end.
    const live = sse.events.slice(3);
    const log = await eventLog(scan.id);
    const done = await getScan(scan.id);
    expect(done.status).toBe('completed');
    expectMatchesLog(live, log, startSeq, done);
    expect(live.at(-1)!.event).toBe('completed');
    // The page answers after 3 s: both scanners finished while the client watched.
    for (const scanner of ['security', 'seo']) {
      expect(live.some((e) => e.event === 'scanner' && e.data.scanner === scanner && e.data.status === 'done')).toBe(true);
    }
    expect(live.some((e) => e.event === 'analysis' && e.data.status === 'skipped')).toBe(true);
    // The log itself holds every transition of the run: each slot running then done, the stage, the end.
    expect(log.map((row) => row.seq)).toEqual(log.map((_, i) => i + 1));
    for (const scanner of ['security', 'seo']) {
      expect(log.filter((row) => row.kind === 'scanner' && (row.data as { scanner: string }).scanner === scanner).map((row) => (row.data as { status: string }).status)).toEqual([
        'running',
        'done',
      ]);
    }
    await eventually(() => Promise.resolve(stack.scanEvents.subscriberCount()), (n) => n === 0);
  });

  it('a client that drops and resumes with Last-Event-ID is sent exactly what it missed', async () => {
    const scan = await startSlowScan('resume');
    const a = await openEvents(eventsUrl(scan.id), { key: t.readKey });
    // The start (3 events), then the first change after it.
    await a.waitFor(4);
    a.close();
    const lastSeen = a.events.at(-1)!.id!;
    const b = await openEvents(eventsUrl(scan.id), { key: t.readKey, lastEventId: lastSeen });
    expect(b.status).toBe(200);
    await b.ended;
    expect(b.events.at(-1)!.event).toBe('completed');
    expectMatchesLog(b.events, await eventLog(scan.id), Number(lastSeen), await getScan(scan.id));
  });

  it('sends a heartbeat comment while nothing changes', async () => {
    const run = await heldRun();
    const sse = await openEvents(eventsUrl(run.id), { key: t.readKey });
    await new Promise((resolve) => setTimeout(resolve, HEARTBEAT_MS * 5));
    expect(sse.comments.filter((c) => c.trim() === 'heartbeat').length).toBeGreaterThanOrEqual(2);
    expect(sse.events).toHaveLength(2); // the start only
    sse.close();
  });

  it('misses nothing when the LISTEN connection is lost: the hub listens again and reads what was committed meanwhile', async () => {
    const run = await heldRun();
    const sse = await openEvents(eventsUrl(run.id), { key: t.readKey });
    await sse.waitFor(2);
    const pid = await stack.db.listener.backendPid();
    expect(pid).not.toBeNull();
    await stack.db.prisma.$executeRaw`SELECT pg_terminate_backend(${pid}::int)`;
    // Committed while nobody listens: its NOTIFY is lost.
    await bookkeeping().recordScannerSlot(run.id, 'seo', { status: 'running' });
    const [, , change] = await sse.waitFor(3, 15_000);
    expect(change).toMatchObject({ id: '1', event: 'scanner', data: { scanner: 'seo', status: 'running' } });
    expect(await stack.db.listener.backendPid()).not.toBe(pid);
    // And the stream goes on live on the new connection.
    await bookkeeping().recordScannerSlot(run.id, 'seo', { status: 'failed', error: 'x'.repeat(5_000) });
    const [, , , failed] = await sse.waitFor(4);
    expect(failed).toMatchObject({ id: '2', event: 'scanner', data: { scanner: 'seo', status: 'failed' } });
    expect(failed!.data.error).toHaveLength(1_000); // bounded where it is stored
    // A retried activity changes nothing and logs nothing.
    await bookkeeping().recordScannerSlot(run.id, 'seo', { status: 'failed', error: 'x'.repeat(5_000) });
    expect(await eventLog(run.id)).toHaveLength(2);
    sse.close();
  });
});

describe('an ended scan', () => {
  let scanId: string;
  let final: any;
  let log: Awaited<ReturnType<typeof eventLog>>;

  beforeAll(async () => {
    const res = await call('POST', `${t.audit}/scans/run`, { key: t.writeKey, body: { url: site.cleanUrl, scanners: ['security', 'seo'] } });
    scanId = res.body.data.id;
    await stack.temporal.client.workflow.getHandle(res.body.data.workflow_id).result();
    final = await getScan(scanId);
    log = await eventLog(scanId);
  });

  it('sends its state and the final event, then ends', async () => {
    const sse = await openEvents(eventsUrl(scanId), { key: t.readKey });
    expect(sse.status).toBe(200);
    await sse.ended;
    const seq = String(log.at(-1)!.seq);
    expect(sse.events).toEqual([
      { id: seq, event: 'scanner', data: { scanner: 'security', status: 'done' } },
      { id: seq, event: 'scanner', data: { scanner: 'seo', status: 'done' } },
      { id: seq, event: 'analysis', data: final.analysis },
      { id: seq, event: 'completed', data: final },
    ]);
  });

  it('resumes after any event it sent, and answers 204 (do not reconnect) after the last', async () => {
    const sse = await openEvents(eventsUrl(scanId), { key: t.readKey, lastEventId: '1' });
    await sse.ended;
    expectMatchesLog(sse.events, log, 1, final);
    const past = await openEvents(eventsUrl(scanId), { key: t.readKey, lastEventId: String(log.at(-1)!.seq) });
    expect(past.status).toBe(204);
  });
});

describe('refusals, before the stream starts, in the error envelope', () => {
  it('404 for an unknown scan, another tenant’s scan, or a malformed id; 403 without audit:read; 422 for a Last-Event-ID it never sent', async () => {
    const run = await heldRun();
    const other = await createTenant(stack.db.prisma, stack.baseUrl);
    const cases: [string, string, number, string][] = [
      [eventsUrl(randomUUID()), t.readKey, 404, 'not_found'],
      [eventsUrl(run.id, other), other.readKey, 404, 'not_found'],
      [eventsUrl('not-a-uuid'), t.readKey, 404, 'not_found'],
    ];
    for (const [url, key, status, code] of cases) {
      const res = await openEvents(url, { key });
      expect(res.status).toBe(status);
      expect(JSON.parse(res.text)).toMatchObject({ data: null, error: { code } });
    }
    const { createKey } = await import('../../src/admin/tenants.ts');
    const scopeless = await createKey(stack.db.prisma, { orgId: t.orgId, scopes: [] });
    const forbidden = await openEvents(eventsUrl(run.id), { key: scopeless.key });
    expect(forbidden.status).toBe(403);
    expect(JSON.parse(forbidden.text)).toMatchObject({ error: { code: 'forbidden' } });
    for (const id of ['abc', '-1', '99999999999', '5']) {
      const bad = await openEvents(eventsUrl(run.id), { key: t.readKey, lastEventId: id });
      expect(bad.status).toBe(422);
      expect(JSON.parse(bad.text)).toMatchObject({ error: { code: 'invalid_params', details: { 'Last-Event-ID': expect.any(Array) } } });
    }
    await eventually(() => Promise.resolve(stack.scanEvents.subscriberCount()), (n) => n === 0);
  });
});

describe('a client that stops reading', () => {
  it('is cut off once the stream has 64 KiB waiting for it, instead of being buffered for', async () => {
    // An ended run whose final event (the run as GET serialises it) is 4 MiB: more than the
    // loopback socket's buffers take, so the rest waits in the process unless it is cut off.
    const run = await heldRun();
    const big = 'x'.repeat(4 * 1024 * 1024);
    await stack.db.prisma.scanRun.update({ where: { id: run.id }, data: { status: 'completed', summary: { summary: big }, finished_at: new Date() } });
    const { port, pathname } = new URL(eventsUrl(run.id));
    const socket = net.connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.pause();
    socket.write(`GET ${pathname} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${t.readKey}\r\nAccept: text/event-stream\r\n\r\n`);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    let received = 0;
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (text.length < 1_000) text += chunk.toString('latin1');
    });
    socket.on('error', () => undefined); // reset by the server
    socket.resume();
    await new Promise((resolve) => socket.once('close', resolve));
    expect(text).toMatch(/^HTTP\/1\.1 200/);
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(big.length); // the final event never arrived whole
  });
});

describe('many streams on one API', () => {
  const STREAMS = 200;
  let db: Database;
  let hub: ScanEventHub;
  let api: RunningApi;
  let appName: string;
  let hubReads = 0;

  beforeAll(async () => {
    // An API of its own, on connections named for it: what it holds is counted in pg_stat_activity.
    appName = `sse-many-${randomUUID().slice(0, 8)}`;
    const url = new URL(stack.config.DATABASE_URL);
    url.searchParams.set('application_name', appName);
    db = connectDatabase(url.href, 2);
    // The hub's reads are counted: one per notice for the process, however many streams.
    const counted = db.prisma.$extends({
      query: {
        scanRunEvent: {
          findMany({ args, query }) {
            hubReads++;
            return query(args);
          },
        },
      },
    }) as unknown as Db;
    hub = createScanEventHub({ prisma: counted, listener: db.listener, render: serializeScanRun });
    api = await startApiServer(
      { config: stack.config, db, temporal: stack.temporal.client, logger: createLogger('silent', 'test'), scanEvents: hub },
      { host: '127.0.0.1', port: 0 },
    );
  });
  afterAll(async () => {
    await api.close();
    await db.close();
  });

  it(`${STREAMS} streams hold one LISTEN connection; one change reaches all; a client that leaves unsubscribes; shutdown ends the rest`, async () => {
    const run = await heldRun();
    const audit = t.audit.replace(stack.baseUrl, api.url);
    const clients: SseClient[] = await Promise.all(Array.from({ length: STREAMS }, () => openEvents(`${audit}/scans/${run.id}/events`, { key: t.readKey })));
    await Promise.all(clients.map((c) => c.waitFor(2)));
    expect(hub.subscriberCount()).toBe(STREAMS);

    const held = await stack.db.pool.query<{ listening: number; total: number }>(
      `SELECT count(*) FILTER (WHERE query ILIKE 'LISTEN%') AS listening, count(*) AS total FROM pg_stat_activity WHERE application_name = $1`,
      [appName],
    );
    expect(Number(held.rows[0]!.listening)).toBe(1);
    // The pool (2) and the LISTEN connection, whatever the number of streams.
    expect(Number(held.rows[0]!.total)).toBeLessThanOrEqual(3);

    await bookkeeping().recordScannerSlot(run.id, 'seo', { status: 'running' });
    const third = await Promise.all(clients.map((c) => c.waitFor(3)));
    for (const events of third) expect(events[2]).toEqual({ id: '1', event: 'scanner', data: { scanner: 'seo', status: 'running' } });
    expect(hubReads).toBe(1);

    const leaving = clients.slice(0, STREAMS / 2);
    for (const c of leaving) c.close();
    await eventually(() => Promise.resolve(hub.subscriberCount()), (n) => n === STREAMS / 2);
    expect(hub.subscriberCount()).toBe(STREAMS / 2);

    // Graceful shutdown: the open streams end, so the server can close.
    const started = Date.now();
    await api.close();
    await Promise.all(clients.slice(STREAMS / 2).map((c) => c.ended));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(hub.subscriberCount()).toBe(0);
  });
});
