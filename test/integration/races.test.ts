import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../../src/api/app.ts';
import { setProvider } from '../../src/ai/provider-settings.ts';
import { closeConnection, withClosableRetries } from '../../src/platform/grpc-retry.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { migrate } from '../../src/platform/migrate.ts';
import { reportExportWorkflowId, startReportExport } from '../../src/reports/kickoff.ts';
import { loadMetrics } from '../../src/reports/summary-queries.ts';
import { kickoff, WorkflowNotStarted } from '../../src/services/kickoff.ts';
import { startFakeAnthropic, type FakeLlm } from '../support/fake-llm.ts';
import { call, eventually } from '../support/http.ts';
import { createScratchDatabase, dropDatabase } from '../support/scratch-database.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { createTenant, type Tenant } from '../support/tenants.ts';

// Races of the remediation rules, through the API on the real stack (Temporal dev server,
// PostgreSQL, workers). AI units are only counted while a provider is configured, and providers
// are instance-wide, so this file has a database of its own; a trigger added there below also
// widens a race window without touching the other files' database.

const ANTHROPIC_KEY = `sk-ant-api03-${randomBytes(24).toString('base64url')}`;
const PAGE = '<!doctype html><html lang="en"><head><title>Races fixture</title></head><body><h1>Hello</h1></body></html>';

let databaseUrl: string;
let stack: Stack;
let anthropic: FakeLlm;
let site: Server;
let siteUrl: string;

beforeAll(async () => {
  databaseUrl = await createScratchDatabase();
  await migrate(databaseUrl);
  anthropic = await startFakeAnthropic({ apiKey: ANTHROPIC_KEY });
  // No security headers at all: a security scan finds several things on every visit.
  site = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE));
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
  stack = await startStack({ DATABASE_URL: databaseUrl, SITEWARDEN_SECRET: randomBytes(32).toString('base64url'), AI_QUOTA_UNITS: '1000' });
  await setProvider(stack.db.prisma, stack.config, { provider: 'anthropic', apiKey: ANTHROPIC_KEY, baseUrl: anthropic.baseUrl });
}, 120_000);
afterAll(async () => {
  await stack?.close();
  await anthropic?.close();
  site?.closeAllConnections();
  if (site) await new Promise((resolve) => site.close(resolve));
  if (databaseUrl) await dropDatabase(databaseUrl);
});

const unitsUsed = async (t: Tenant) => (await stack.db.prisma.aiQuota.findMany({ where: { org_id: t.orgId } }))[0]?.units_used ?? 0;

async function scan(t: Tenant): Promise<string> {
  const run = await call('POST', `${t.audit}/scans/run`, { key: t.writeKey, body: { url: siteUrl, scanners: ['security'] } });
  expect(run.status).toBe(202);
  return run.body.data.workflow_id;
}

/** A tenant whose site was scanned once, with the ids of its security findings. */
async function scannedTenant(): Promise<{ t: Tenant; findingIds: string[] }> {
  const t = await createTenant(stack.db.prisma, stack.baseUrl);
  await stack.temporal.client.workflow.getHandle(await scan(t)).result();
  const findings = await call('GET', `${t.audit}/findings?domain=security&limit=100`, { key: t.readKey });
  const findingIds = findings.body.data.map((f: { id: string }) => f.id);
  expect(findingIds.length).toBeGreaterThanOrEqual(3);
  return { t, findingIds };
}

test('20 concurrent POST tasks for one finding create exactly one task; the other 19 get 409 in the error envelope', async () => {
  const { t, findingIds } = await scannedTenant();
  const answers = await Promise.all(
    Array.from({ length: 20 }, () => call('POST', `${t.audit}/tasks`, { key: t.writeKey, body: { finding_id: findingIds[0] } })),
  );
  const created = answers.filter((a) => a.status === 201);
  const refused = answers.filter((a) => a.status === 409);
  expect([created.length, refused.length]).toEqual([1, 19]);
  for (const r of refused) {
    expect(r.body).toMatchObject({ data: null, error: { code: 'conflict', message: `The finding already has an open task (${created[0]!.body.data.id})` } });
  }
  expect(await stack.db.prisma.task.count({ where: { finding_id: findingIds[0] } })).toBe(1);
}, 120_000);

test('10 concurrent POST verifications/run for one task start exactly one, and the 409s spend no AI unit', async () => {
  const { t, findingIds } = await scannedTenant();
  const task = await call('POST', `${t.audit}/tasks`, { key: t.writeKey, body: { finding_id: findingIds[0] } });
  expect(task.status).toBe(201);
  const before = await unitsUsed(t);

  const answers = await Promise.all(
    Array.from({ length: 10 }, () => call('POST', `${t.audit}/verifications/run`, { key: t.writeKey, body: { task_id: task.body.data.id } })),
  );
  const started = answers.filter((a) => a.status === 202);
  const refused = answers.filter((a) => a.status === 409);
  expect([started.length, refused.length]).toEqual([1, 9]);
  const running = started[0]!.body.data;
  for (const r of refused) {
    expect(r.body).toMatchObject({ data: null, error: { code: 'conflict', message: `Verification ${running.id} of this task is still running` } });
  }
  expect(await stack.db.prisma.verification.count({ where: { task_id: task.body.data.id } })).toBe(1);
  expect((await unitsUsed(t)) - before).toBe(1);
  await stack.temporal.client.workflow.getHandle(running.workflow_id).describe();
  // Once it has finished, the task may be verified again.
  await eventually(
    () => call('GET', `${t.audit}/verifications/${running.id}`, { key: t.readKey }),
    (r) => r.body.data.result !== 'pending',
  );
  const again = await call('POST', `${t.audit}/verifications/run`, { key: t.writeKey, body: { task_id: task.body.data.id } });
  expect(again.status).toBe(202);
}, 120_000);

describe('dismissing every finding while three rescans run', () => {
  // A person's dismissal holds its findings' row locks a little longer (50 ms per finding, after
  // the status is written): a scan that reads a finding without waiting for that lock, as the
  // upsert did, then writes the stale status back once the dismissal commits.
  beforeAll(async () => {
    await stack.db.prisma.$executeRawUnsafe(`
      CREATE FUNCTION slow_dismissal() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_sleep(0.05); RETURN NEW; END $$`);
    await stack.db.prisma.$executeRawUnsafe(`
      CREATE TRIGGER slow_dismissal AFTER INSERT ON finding_events FOR EACH ROW
      WHEN (NEW.kind = 'status_changed' AND NEW.status = 'dismissed') EXECUTE FUNCTION slow_dismissal()`);
  });
  afterAll(async () => {
    await stack.db.prisma.$executeRawUnsafe('DROP TRIGGER slow_dismissal ON finding_events');
    await stack.db.prisma.$executeRawUnsafe('DROP FUNCTION slow_dismissal()');
  });

  const ROUNDS = 6;
  test(`never brings a finding back (${ROUNDS} rounds, PATCH and bulk in turn)`, async () => {
    const comebacks: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const { t, findingIds } = await scannedTenant();
      const rescans = [scan(t), new Promise((r) => setTimeout(r, 150)).then(() => scan(t)), new Promise((r) => setTimeout(r, 300)).then(() => scan(t))];
      // Dismiss as soon as a rescan is recording: its findings are being read and written.
      await eventually(
        () => stack.db.prisma.scanRun.count({ where: { org_id: t.orgId, status: 'running' } }),
        (n) => n > 0,
        10_000,
      );
      if (round % 2 === 0) {
        const answers = await Promise.all(
          findingIds.map((id) => call('PATCH', `${t.audit}/findings/${id}`, { key: t.writeKey, body: { status: 'dismissed' } })),
        );
        expect(answers.map((a) => a.status)).toEqual(findingIds.map(() => 200));
      } else {
        const answer = await call('POST', `${t.audit}/findings/bulk`, { key: t.writeKey, body: { ids: findingIds, status: 'dismissed' } });
        expect(answer.status).toBe(200);
      }
      const workflowIds = await Promise.all(rescans);
      await Promise.all(workflowIds.map((id) => stack.temporal.client.workflow.getHandle(id).result()));
      const findings = await stack.db.prisma.finding.findMany({ where: { id: { in: findingIds } }, select: { id: true, status: true } });
      for (const f of findings) if (f.status !== 'dismissed') comebacks.push(`round ${round + 1}: ${f.id} is ${f.status}`);
    }
    expect(comebacks).toEqual([]);
  }, 600_000);
});

describe('a workflow that does not start', () => {
  let server: Server;
  let brokenApi: string;
  let connection: Connection;

  // A second API on the same database whose Temporal address answers nothing (a closed port).
  beforeAll(async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    // Its calls retry against the closed port: closed after those retries fire (platform/grpc-retry.ts).
    connection = withClosableRetries((interceptors) => Connection.lazy({ address: `127.0.0.1:${port}`, interceptors }));
    const temporal = new Client({ connection, namespace: stack.config.TEMPORAL_NAMESPACE });
    server = createServer(createApp({ config: stack.config, db: stack.db, temporal, logger: createLogger('silent', 'test') }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    brokenApi = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await closeConnection(connection);
  });

  test('scans/run, verifications/run and reports/export answer 503, compensate the row and refund the AI unit', async () => {
    const { t, findingIds } = await scannedTenant();
    const task = await call('POST', `${t.audit}/tasks`, { key: t.writeKey, body: { finding_id: findingIds[0] } });
    const broken = t.audit.replace(stack.baseUrl, brokenApi);
    const before = await unitsUsed(t);
    expect(before).toBe(1);

    const scanAnswer = await call('POST', `${broken}/scans/run`, { key: t.writeKey, body: { url: siteUrl, scanners: ['security'] } });
    expect(scanAnswer.status).toBe(503);
    expect(scanAnswer.body).toMatchObject({ data: null, error: { code: 'unavailable', message: 'The scan could not be started; try again shortly' } });
    const runs = await stack.db.prisma.scanRun.findMany({ where: { org_id: t.orgId }, orderBy: { inserted_at: 'desc' } });
    expect(runs[0]).toMatchObject({ status: 'failed', failure_reason: 'the scan could not be started' });
    // Its scan.failed event, written with the compensation (docs/notifications.md).
    const failedEvents = await stack.db.prisma.notificationEvent.findMany({ where: { org_id: t.orgId, type: 'scan.failed' } });
    expect(failedEvents.map((e) => (e.data as { scan_run_id: string }).scan_run_id)).toEqual([runs[0]!.id]);

    const verification = await call('POST', `${broken}/verifications/run`, { key: t.writeKey, body: { task_id: task.body.data.id } });
    expect(verification.status).toBe(503);
    expect(verification.body.error.code).toBe('unavailable');
    expect(await stack.db.prisma.verification.count({ where: { task_id: task.body.data.id } })).toBe(0);

    const report = await call('POST', `${broken}/reports/export`, { key: t.writeKey, body: { format: 'json' } });
    expect(report.status).toBe(503);
    expect(report.body.error.code).toBe('unavailable');
    const reports = await stack.db.prisma.report.findMany({ where: { org_id: t.orgId } });
    expect(reports.map((r) => [r.status, r.failure_reason])).toEqual([['failed', 'the export could not be started']]);

    expect(await unitsUsed(t)).toBe(before);
    // The refused verification left no row behind: the task can be verified on a working API.
    const retried = await call('POST', `${t.audit}/verifications/run`, { key: t.writeKey, body: { task_id: task.body.data.id } });
    expect(retried.status).toBe(202);
    expect(await unitsUsed(t)).toBe(before + 1);
  }, 180_000);
});

test('a start that failed on the client but reached the server is not compensated; one that did not reach it is', async () => {
  const t = await createTenant(stack.db.prisma, stack.baseUrl);
  const temporal = stack.temporal.client;
  const snapshot = (await loadMetrics(stack.db.prisma, { orgId: t.orgId, projectId: t.projectId })) as unknown as Record<string, number>;
  const exportKickoff = (start: (id: string) => Promise<unknown>) => {
    const id = randomUUID();
    return kickoff(stack.db.prisma, temporal, {
      write: (tx) =>
        tx.report.create({
          data: { id, org_id: t.orgId, project_id: t.projectId, format: 'json', status: 'queued', snapshot, workflow_id: reportExportWorkflowId(id) },
        }),
      aiCharge: { config: stack.config, orgId: t.orgId },
      workflowId: reportExportWorkflowId(id),
      start: () => start(id),
      compensate: (tx) => tx.report.update({ where: { id }, data: { status: 'failed', failure_reason: 'the export could not be started' } }),
      notStartedMessage: 'The export could not be started; try again shortly',
    });
  };

  // The answer is lost after the server accepted the start (a client-side deadline).
  const lost = await exportKickoff(async (id) => {
    await startReportExport(temporal, stack.config.TEMPORAL_TASK_QUEUE, id, { orgId: t.orgId, projectId: t.projectId, format: 'json' });
    throw new Error('deadline exceeded');
  });
  await temporal.workflow.getHandle(reportExportWorkflowId(lost.id)).result();
  expect(await stack.db.prisma.report.findUniqueOrThrow({ where: { id: lost.id } })).toMatchObject({ status: 'exported', failure_reason: null });
  expect(await unitsUsed(t)).toBe(1);

  // The start never reached the server.
  const failed = exportKickoff(async () => {
    throw new Error('connection refused');
  });
  await expect(failed).rejects.toBeInstanceOf(WorkflowNotStarted);
  const reports = await stack.db.prisma.report.findMany({ where: { org_id: t.orgId, status: 'failed' } });
  expect(reports).toHaveLength(1);
  expect(await unitsUsed(t)).toBe(1);
}, 120_000);
