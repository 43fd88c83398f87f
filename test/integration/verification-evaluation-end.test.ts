import { randomUUID } from 'node:crypto';
import { createOrg, createProject } from '../../src/admin/tenants.ts';
import { recordEvaluation } from '../../src/activities/verifications.ts';
import { settledCheck } from '../../src/domain/verification.ts';
import { connectDatabase, type Database } from '../../src/platform/db.ts';

/** The end of evaluateVerification (recordEvaluation): checks, result and outbox event in one statement. */
let db: Database;
beforeAll(() => {
  db = connectDatabase(process.env.DATABASE_URL!, 3);
});
afterAll(() => db.close());

async function pendingVerification() {
  const org = await createOrg(db.prisma, `org-${randomUUID()}`);
  const project = await createProject(db.prisma, org.id, 'site');
  const tenant = { org_id: org.id, project_id: project.id };
  const finding = await db.prisma.finding.create({
    data: { ...tenant, domain: 'security', check_id: 'security.csp_missing', title: `f-${randomUUID()}`, description: 'd', severity: 'high', status: 'ready_verify', affected_assets: [] },
  });
  const task = await db.prisma.task.create({ data: { ...tenant, finding_id: finding.id, title: 't', status: 'ready_verify' } });
  const id = randomUUID();
  const v = await db.prisma.verification.create({ data: { id, ...tenant, task_id: task.id, finding_id: finding.id, workflow_id: `verification-${id}`, checks: [] } });
  return { v, task, finding, tenant };
}

const eventsOf = (orgId: string) => db.prisma.notificationEvent.findMany({ where: { org_id: orgId } });

it('a pending verification: checks and result written, updated_at moved, verification.passed in the outbox', async () => {
  const { v, task, finding, tenant } = await pendingVerification();
  const checks = [settledCheck('security_header_csp', true, 'not detected on https://example.com/')];
  await recordEvaluation(db.prisma, v.id, checks, 'passed');
  const after = await db.prisma.verification.findUniqueOrThrow({ where: { id: v.id } });
  expect(after).toMatchObject({ result: 'passed', checks });
  expect(after.updated_at.getTime()).toBeGreaterThanOrEqual(v.updated_at.getTime());
  expect(await eventsOf(tenant.org_id)).toEqual([
    expect.objectContaining({
      ...tenant,
      type: 'verification.passed',
      severity: null,
      dispatched_at: null,
      data: { verification_id: v.id, task_id: task.id, finding_id: finding.id, result: 'passed', cause: 'evaluated' },
    }),
  ]);
});

it('a verification the failure path settled first keeps its result and gets no second event; the checks are written', async () => {
  const { v, tenant } = await pendingVerification();
  await db.prisma.verification.update({ where: { id: v.id }, data: { result: 'failed' } });
  const checks = [settledCheck('security_header_csp', true, 'not detected')];
  await recordEvaluation(db.prisma, v.id, checks, 'passed');
  expect(await db.prisma.verification.findUniqueOrThrow({ where: { id: v.id } })).toMatchObject({ result: 'failed', checks });
  expect(await eventsOf(tenant.org_id)).toEqual([]);
});
