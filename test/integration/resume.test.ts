import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { createServer as createTcpServer, connect, type AddressInfo, type Server as TcpServer } from 'node:net';
import { Writable } from 'node:stream';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startApiServer } from '../../src/api/server.ts';
import { loadConfig, type Config } from '../../src/platform/config.ts';
import { connectDatabase, type Database } from '../../src/platform/db.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { migrate } from '../../src/platform/migrate.ts';
import { reportExportWorkflowId } from '../../src/reports/kickoff.ts';
import { forEachQueued, scanWorkflowId } from '../../src/services/scan-kickoff.ts';
import { createScratchDatabase, dropDatabase } from '../support/scratch-database.ts';
import { startTemporal } from '../support/temporal.ts';
import { createTemporalClient } from '../../src/platform/temporal.ts';
import { closeConnection } from '../../src/platform/grpc-retry.ts';
import { eventually } from '../support/http.ts';
import { createTenant } from '../support/tenants.ts';

// Queued runs are resumed in the background once the API listens. A database of its own: the
// resume takes every queued row it finds.

let databaseUrl: string;
let db: Database;
let temporal: TestWorkflowEnvironment;
let config: Config;
const servers: Server[] = [];

beforeAll(async () => {
  databaseUrl = await createScratchDatabase();
  await migrate(databaseUrl);
  temporal = await startTemporal();
  config = loadConfig({ ...process.env, DATABASE_URL: databaseUrl, TEMPORAL_TASK_QUEUE: `test-${randomUUID()}` });
  db = connectDatabase(databaseUrl, 5);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  await db?.close();
  await temporal?.teardown();
  if (databaseUrl) await dropDatabase(databaseUrl);
});

function capturedLogger() {
  const lines: any[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: createLogger('info', 'api', sink), lines };
}

/** `scans` queued scan runs and `reports` queued exports, written as a kickoff that died would leave them. */
async function queue(scans: number, reports: number) {
  const t = await createTenant(db.prisma, 'http://127.0.0.1');
  const scanIds = Array.from({ length: scans }, () => randomUUID());
  const reportIds = Array.from({ length: reports }, () => randomUUID());
  await db.prisma.scanRun.createMany({
    data: scanIds.map((id) => ({ id, org_id: t.orgId, project_id: t.projectId, url: 'http://127.0.0.1:9/', scanners: ['security' as const], status: 'queued' as const, workflow_id: scanWorkflowId(id) })),
  });
  await db.prisma.report.createMany({
    data: reportIds.map((id) => ({ id, org_id: t.orgId, project_id: t.projectId, format: 'json' as const, status: 'queued' as const, workflow_id: reportExportWorkflowId(id) })),
  });
  return { scanIds, reportIds };
}

async function exists(client: Client, workflowId: string): Promise<boolean> {
  try {
    await client.workflow.getHandle(workflowId).describe();
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

it('a Temporal error while resuming is logged, never fatal: the API listens and answers', async () => {
  const { scanIds } = await queue(3, 1);
  const { logger, lines } = capturedLogger();
  // A namespace the server does not have: every start is refused by Temporal.
  const refusing = new Client({ connection: temporal.client.connection, namespace: `missing-${randomUUID()}` });
  const api = await startApiServer({ config, db, temporal: refusing, logger }, { host: '127.0.0.1', port: 0 });
  servers.push(api.server);
  expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
  expect(await api.resumed).toEqual({ scans: 'failed', reports: 'failed', crawls: 0 });
  expect(lines.filter((l) => l.level === 50).map((l) => l.msg)).toEqual([
    'could not resume the queued scans; the API keeps serving',
    'could not resume the queued reports; the API keeps serving',
  ]);
  expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
  // Still queued: the next start (or the sweeper, after its grace) deals with them.
  expect(await db.prisma.scanRun.count({ where: { id: { in: scanIds }, status: 'queued' } })).toBe(3);
  await db.prisma.scanRun.deleteMany({});
  await db.prisma.report.deleteMany({});
}, 60_000);

it('resumes a backlog larger than a page, page by page, after listening', async () => {
  const { scanIds, reportIds } = await queue(25, 7);
  const { logger } = capturedLogger();
  const api = await startApiServer({ config, db, temporal: temporal.client, logger }, { host: '127.0.0.1', port: 0, resumeBatchSize: 10 });
  servers.push(api.server);
  expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
  expect(await api.resumed).toEqual({ scans: 25, reports: 7, crawls: 0 });
  const started = await Promise.all([...scanIds.map(scanWorkflowId), ...reportIds.map(reportExportWorkflowId)].map((id) => exists(temporal.client, id)));
  expect(started.filter(Boolean)).toHaveLength(32);
}, 60_000);

it('reads the backlog in pages of the batch size, each after the last id of the one before', async () => {
  const ids = Array.from({ length: 25 }, (_, i) => `id-${String(i).padStart(2, '0')}`);
  const asked: Array<string | undefined> = [];
  const started: string[] = [];
  const total = await forEachQueued(
    async (after) => {
      asked.push(after);
      return ids.filter((id) => after === undefined || id > after).slice(0, 10).map((id) => ({ id }));
    },
    10,
    async ({ id }) => void started.push(id),
  );
  expect(total).toBe(25);
  expect(started).toEqual(ids);
  expect(asked).toEqual([undefined, 'id-09', 'id-19']);
});

/** A free port on 127.0.0.1: bound, read, released. */
async function freePort(): Promise<number> {
  const probe = createTcpServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

it('starts while Temporal is down: listens, says it is not ready, and resumes queued work once Temporal answers', async () => {
  // Only this test's runs are queued: the resume takes every queued row it finds.
  await db.prisma.scanRun.deleteMany({});
  await db.prisma.report.deleteMany({});
  const { scanIds } = await queue(2, 0);
  const { logger, lines } = capturedLogger();
  // Nothing listens on the port yet: Temporal is "down". Later a TCP relay to the real server is
  // put there, as a Temporal coming back on its address.
  const port = await freePort();
  const lazy = createTemporalClient({ TEMPORAL_ADDRESS: `127.0.0.1:${port}`, TEMPORAL_NAMESPACE: temporal.namespace ?? 'default' });
  const api = await startApiServer({ config, db, temporal: lazy, logger }, { host: '127.0.0.1', port: 0 });
  servers.push(api.server);
  let settled = false;
  void api.resumed.then(() => (settled = true));

  expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
  const notReady = await fetch(`${api.url}/readyz`);
  expect(notReady.status).toBe(503);
  expect(((await notReady.json()) as { data: unknown }).data).toEqual({ status: 'unavailable', checks: { database: 'ok', temporal: 'unavailable' } });
  expect(settled).toBe(false);
  const waiting = await eventually(async () => lines.map((l) => l.msg), (msgs) => msgs.includes('Temporal does not answer yet; queued work is resumed once it does'), 10_000);
  expect(waiting.filter((m) => m.startsWith('Temporal does not answer yet'))).toHaveLength(1);
  expect(await db.prisma.scanRun.count({ where: { id: { in: scanIds }, status: 'queued' } })).toBe(2);

  const [host, upstreamPort] = temporal.address.split(':');
  const relay: TcpServer = createTcpServer((socket) => {
    const upstream = connect(Number(upstreamPort), host);
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(port, '127.0.0.1', resolve));
  try {
    expect(await api.resumed).toEqual({ scans: 2, reports: 0, crawls: 0 });
    const started = await Promise.all(scanIds.map((id) => exists(temporal.client, scanWorkflowId(id))));
    expect(started).toEqual([true, true]);
    expect((await fetch(`${api.url}/readyz`)).status).toBe(200);
  } finally {
    await new Promise<void>((resolve) => api.server.close(() => resolve()));
    servers.splice(servers.indexOf(api.server), 1);
    await closeConnection(lazy.connection);
    relay.close();
    await db.prisma.scanRun.deleteMany({});
  }
}, 90_000);

it('stops waiting for Temporal when the API closes before it ever answered', async () => {
  const { logger } = capturedLogger();
  const lazy = createTemporalClient({ TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`, TEMPORAL_NAMESPACE: 'default' });
  const api = await startApiServer({ config, db, temporal: lazy, logger }, { host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => api.server.close(() => resolve()));
  expect(await api.resumed).toBe('stopped');
  await closeConnection(lazy.connection);
}, 30_000);
