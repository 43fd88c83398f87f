import { randomUUID } from 'node:crypto';
import { migrate } from '../../src/platform/migrate.ts';
import { quotaPeriod } from '../../src/services/ai-quota.ts';
import { ensureSweeperSchedule, SWEEPER_SCHEDULE_ID } from '../../src/services/sweeper-schedule.ts';
import { eventually } from '../support/http.ts';
import { createScratchDatabase, dropDatabase } from '../support/scratch-database.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { createTenant, type Tenant } from '../support/tenants.ts';

// The sweeper's Schedule and workflow on a real Temporal server and the stack's real workers. A
// database of its own: the sweeper takes every open row it finds, and the other files' rows
// belong to workflows on their own Temporal servers (missing from this one's point of view).

let databaseUrl: string;
let stack: Stack;
let t: Tenant;
const HOUR_AGO = new Date(Date.now() - 3_600_000);

beforeAll(async () => {
  databaseUrl = await createScratchDatabase();
  await migrate(databaseUrl);
  stack = await startStack({ DATABASE_URL: databaseUrl, SWEEP_GRACE_SECONDS: '600', SWEEP_INTERVAL_SECONDS: '3600' });
  t = await createTenant(stack.db.prisma, stack.baseUrl);
});
afterAll(async () => {
  await stack?.close();
  if (databaseUrl) await dropDatabase(databaseUrl);
});

const { start: period } = quotaPeriod('month', new Date());

async function scanRun(status: 'queued' | 'running' | 'completed', options: { insertedAt?: Date; charged?: boolean; snapshot?: boolean } = {}) {
  const id = randomUUID();
  const workflowId = `scan-${id}`;
  await stack.db.prisma.scanRun.create({
    data: {
      id,
      org_id: t.orgId,
      project_id: t.projectId,
      url: 'http://127.0.0.1:9/',
      scanners: ['security'],
      status,
      workflow_id: workflowId,
      inserted_at: options.insertedAt ?? HOUR_AGO,
      ai_charge_period: options.charged ? period : null,
    },
  });
  if (options.snapshot) {
    await stack.db.prisma.pageSnapshot.create({
      data: { scan_run_id: id, requested_url: 'http://127.0.0.1:9/', final_url: 'http://127.0.0.1:9/', status: 200, headers: {}, body: '<p>x</p>', fetched_at: HOUR_AGO },
    });
  }
  return { id, workflowId };
}

/** A workflow of that id on a queue no worker polls: it stays running until terminated. */
async function idleWorkflow(workflowId: string) {
  return stack.temporal.client.workflow.start('ScanWorkflow', { taskQueue: `nobody-${randomUUID()}`, workflowId, args: [{ scanRunId: randomUUID() }] });
}

it('is created once, and a sweep closes what a closed or missing workflow left open, refunds, and deletes orphaned snapshots', async () => {
  const { prisma } = stack.db;
  const missing = await scanRun('running', { charged: true, snapshot: true });
  const closed = await scanRun('queued', { charged: true });
  await (await idleWorkflow(closed.workflowId)).terminate('the worker lost it');
  const alive = await scanRun('running', { charged: true, snapshot: true });
  await idleWorkflow(alive.workflowId);
  const fresh = await scanRun('queued', { insertedAt: new Date(), charged: true });
  const finished = await scanRun('completed', { snapshot: true });
  await prisma.aiQuota.create({ data: { org_id: t.orgId, period_start: period, units_limit: 100, units_used: 4 } });

  const finding = await prisma.finding.create({
    data: {
      org_id: t.orgId,
      project_id: t.projectId,
      domain: 'security',
      check_id: 'security.csp_missing',
      title: 'CSP missing',
      description: 'no CSP',
      severity: 'high',
      evidence: {},
      affected_assets: [],
      verification_key: 'security_header_csp',
      first_seen_scan_id: finished.id,
      last_seen_scan_id: finished.id,
    },
  });
  const task = await prisma.task.create({ data: { org_id: t.orgId, project_id: t.projectId, finding_id: finding.id, title: 'fix CSP', status: 'ready_verify' } });
  const verificationId = randomUUID();
  await prisma.verification.create({
    data: {
      id: verificationId,
      org_id: t.orgId,
      project_id: t.projectId,
      task_id: task.id,
      finding_id: finding.id,
      workflow_id: `verification-${verificationId}`,
      created_at: HOUR_AGO,
      ai_charged_period: period,
      checks: [{ key: 'security_header_csp', before: 'failed', after: 'pending', status: 'running' }],
    },
  });
  const reportId = randomUUID();
  await prisma.report.create({
    data: { id: reportId, org_id: t.orgId, project_id: t.projectId, format: 'json', status: 'exporting', workflow_id: `report-export-${reportId}`, created_at: HOUR_AGO },
  });

  // Every worker start calls it: the first creates the schedule, the others find it.
  expect(await ensureSweeperSchedule(stack.temporal.client, stack.config)).toBe('created');
  expect(await ensureSweeperSchedule(stack.temporal.client, stack.config)).toBe('exists');
  const schedule = stack.temporal.client.schedule.getHandle(SWEEPER_SCHEDULE_ID);
  const description = await schedule.describe();
  expect(description.action).toMatchObject({ type: 'startWorkflow', workflowType: 'SweeperWorkflow', taskQueue: stack.config.TEMPORAL_TASK_QUEUE, args: [{ graceSeconds: 600 }] });
  expect(description.spec.intervals).toEqual([expect.objectContaining({ every: 3_600_000 })]);

  await schedule.trigger();
  const swept = await eventually(
    () => schedule.describe(),
    (d) => d.info.recentActions.length > 0,
  );
  const sweep = stack.temporal.client.workflow.getHandle(swept.info.recentActions[0]!.action.workflow.workflowId);
  expect(await sweep.result()).toEqual({ scanRuns: 2, verifications: 1, reports: 1, snapshots: 2 });

  const runs = await prisma.scanRun.findMany({ where: { org_id: t.orgId }, select: { id: true, status: true, failure_reason: true, ai_charge_period: true } });
  const byId = Object.fromEntries(runs.map((r) => [r.id, r]));
  expect(byId[missing.id]).toMatchObject({ status: 'failed', failure_reason: expect.stringMatching(/never started.*sweeper/), ai_charge_period: null });
  expect(byId[closed.id]).toMatchObject({ status: 'failed', failure_reason: expect.stringMatching(/workflow ended without closing it/), ai_charge_period: null });
  expect(byId[alive.id]).toMatchObject({ status: 'running', failure_reason: null });
  expect(byId[fresh.id]).toMatchObject({ status: 'queued', failure_reason: null });
  // Three units given back (two scan runs, the verification), once each.
  expect((await prisma.aiQuota.findFirstOrThrow({ where: { org_id: t.orgId } })).units_used).toBe(1);
  // The running scan keeps its snapshot; the failed and the completed ones lose theirs.
  expect(await prisma.pageSnapshot.findMany({ select: { scan_run_id: true } })).toEqual([{ scan_run_id: alive.id }]);
  expect(await prisma.verification.findUniqueOrThrow({ where: { id: verificationId } })).toMatchObject({
    result: 'failed',
    ai_charged_period: null,
    checks: [expect.objectContaining({ key: 'security_header_csp', status: 'failed', detail: expect.stringMatching(/^evaluation failed: the verification was never started/) })],
  });
  expect(await prisma.report.findUniqueOrThrow({ where: { id: reportId } })).toMatchObject({ status: 'failed', failure_reason: expect.stringMatching(/export was never started/) });

  // A second sweep finds nothing left to do.
  const again = await stack.temporal.client.workflow.execute('SweeperWorkflow', { taskQueue: stack.config.TEMPORAL_TASK_QUEUE, workflowId: `sweep-${randomUUID()}`, args: [{ graceSeconds: 600 }] });
  expect(again).toEqual({ scanRuns: 0, verifications: 0, reports: 0, snapshots: 0 });
  expect((await prisma.aiQuota.findFirstOrThrow({ where: { org_id: t.orgId } })).units_used).toBe(1);
  await schedule.delete();
}, 60_000);
