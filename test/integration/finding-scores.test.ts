import { randomUUID } from 'node:crypto';
import { createOrg, createProject } from '../../src/admin/tenants.ts';
import { scoreFindingsOfRun } from '../../src/activities/scan-runs.ts';
import { scoreFinding } from '../../src/domain/scoring.ts';
import type { FindingDomain, Severity } from '../../src/generated/prisma/enums.ts';
import { connectDatabase, type Database } from '../../src/platform/db.ts';

/** scoreScanFindings: the rule scores of a run's findings, written in one statement under id-ordered locks. */
let db: Database;
beforeAll(() => {
  db = connectDatabase(process.env.DATABASE_URL!, 3);
});
afterAll(() => db.close());

async function runWithFindings(n: number) {
  const org = await createOrg(db.prisma, `org-${randomUUID()}`);
  const project = await createProject(db.prisma, org.id, 'site');
  const tenant = { org_id: org.id, project_id: project.id };
  const run = await db.prisma.scanRun.create({
    data: { ...tenant, url: 'http://127.0.0.1:9/', scanners: ['security', 'seo'], status: 'running', workflow_id: `held-${randomUUID()}` },
  });
  const domains: FindingDomain[] = ['security', 'seo', 'accessibility', 'performance'];
  const severities: Severity[] = ['critical', 'high', 'medium', 'low'];
  const findings = [];
  for (let i = 0; i < n; i++) {
    findings.push(
      await db.prisma.finding.create({
        data: {
          ...tenant,
          domain: domains[i % 4]!,
          check_id: i % 3 === 0 ? 'security.csp_missing' : `seo.check_${i}`,
          title: `f-${i}`,
          severity: severities[(i * 3) % 4]!,
          confidence: (i % 5) / 4,
          // nodeCount spreads impact and effort; the model's scores (score_source ai) are set back to the rules'.
          evidence: i % 2 ? { nodeCount: i * 7 } : { count: i, other: 'x' },
          score_source: 'ai',
          priority_score: 1,
          status: i % 4 === 0 ? 'dismissed' : 'new',
          last_seen_scan_id: run.id,
        },
      }),
    );
  }
  return { run, tenant, findings };
}

it('every finding the run saw gets scoreFinding’s scores and score_source rules; status, severity and other runs’ findings are left alone', async () => {
  const { run, tenant, findings } = await runWithFindings(9);
  const other = await db.prisma.finding.create({
    data: { ...tenant, domain: 'security', check_id: 'security.hsts_missing', title: 'other run', severity: 'high', score_source: 'ai', priority_score: 1, last_seen_scan_id: randomUUID() },
  });
  expect(await scoreFindingsOfRun(db.prisma, run.id)).toEqual({ scored: 9 });
  const after = await db.prisma.finding.findMany({ where: { last_seen_scan_id: run.id }, orderBy: { title: 'asc' } });
  expect(after).toHaveLength(9);
  for (const [i, f] of after.entries()) {
    const before = findings[i]!;
    const s = scoreFinding({ domain: before.domain, severity: before.severity, checkId: before.check_id, confidence: before.confidence, evidence: before.evidence as Record<string, unknown> });
    expect(f).toMatchObject({ impact_score: s.impact, effort_score: s.effort, risk_score: s.risk, priority_score: s.priority, score_source: 'rules' });
    expect(f).toMatchObject({ status: before.status, severity: before.severity });
    expect(f.updated_at.getTime()).toBeGreaterThanOrEqual(before.updated_at.getTime());
  }
  // Not every finding scores alike: the test would not notice one score written to all.
  expect(new Set(after.map((f) => f.priority_score)).size).toBeGreaterThan(2);
  expect(await db.prisma.finding.findUniqueOrThrow({ where: { id: other.id } })).toMatchObject({ score_source: 'ai', priority_score: 1 });
});

it('a run that saw nothing scores nothing', async () => {
  const { run } = await runWithFindings(0);
  expect(await scoreFindingsOfRun(db.prisma, run.id)).toEqual({ scored: 0 });
});

it('waits for a person’s edit holding a finding, and keeps it: the edit’s status survives, the scores are written', async () => {
  const { run, findings } = await runWithFindings(3);
  const target = findings[1]!;
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  let locked = () => {};
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const edit = db.prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM findings WHERE id = ${target.id}::uuid FOR UPDATE`;
    locked();
    await held;
    await tx.finding.update({ where: { id: target.id }, data: { status: 'dismissed' } });
  });
  await isLocked;
  let scored = false;
  const scoring = scoreFindingsOfRun(db.prisma, run.id).then((r) => ((scored = true), r));
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(scored).toBe(false); // waiting on the edit's lock
  release();
  await edit;
  expect(await scoring).toEqual({ scored: 3 });
  expect(await db.prisma.finding.findUniqueOrThrow({ where: { id: target.id } })).toMatchObject({ status: 'dismissed', score_source: 'rules' });
});
