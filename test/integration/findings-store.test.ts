import { randomUUID } from 'node:crypto';
import { createOrg, createProject } from '../../src/admin/tenants.ts';
import { recordDetections, type ScanContext } from '../../src/activities/findings-store.ts';
import type { DetectedFinding } from '../../src/checks/types.ts';
import { connectDatabase, type Database } from '../../src/platform/db.ts';

/**
 * recordDetections: a first scan creates, a rescan writes what it observed (one UPDATE for the
 * findings whose severity and status stay), and what moves keeps its events and regressions.
 */
let db: Database;
beforeAll(() => {
  db = connectDatabase(process.env.DATABASE_URL!, 3);
});
afterAll(() => db.close());

async function project() {
  const org = await createOrg(db.prisma, `org-${randomUUID()}`);
  const p = await createProject(db.prisma, org.id, 'site');
  return { orgId: org.id, projectId: p.id };
}

async function scan(t: { orgId: string; projectId: string }): Promise<ScanContext> {
  const run = await db.prisma.scanRun.create({
    data: { org_id: t.orgId, project_id: t.projectId, url: 'http://127.0.0.1:9/', scanners: ['security'], status: 'running', workflow_id: `held-${randomUUID()}` },
  });
  return { scanRunId: run.id, ...t };
}

const detection = (i: number, over: Partial<DetectedFinding> = {}): DetectedFinding => ({
  checkId: `security.check_${i}`,
  groupId: `security.check_${i}`,
  domain: 'security',
  title: `finding ${i}`,
  description: `seen ${i}`,
  severity: 'medium',
  confidence: 0.9,
  evidence: { count: i },
  fix: { summary: 'fix', steps: [] },
  verificationKey: `key_${i}`,
  ...over,
});

const findingsOf = (t: { orgId: string }) => db.prisma.finding.findMany({ where: { org_id: t.orgId }, orderBy: { title: 'asc' } });
const eventsOf = (t: { orgId: string }) => db.prisma.findingEvent.findMany({ where: { org_id: t.orgId }, orderBy: [{ created_at: 'asc' }, { id: 'asc' }] });

it('a rescan writes what it observed on every finding, appends the page, moves no status or severity, and logs no event; a person’s edits stay', async () => {
  const t = await project();
  const first = await scan(t);
  const created = await recordDetections(db.prisma, first, 'security', 'https://site.test/a', [detection(1), detection(2), detection(3), detection(4)]);
  expect(created.findings).toBe(4);
  expect((await eventsOf(t)).map((e) => e.kind)).toEqual(['detected', 'detected', 'detected', 'detected']);
  const before = await findingsOf(t);
  // A person dismissed one and set another's severity by hand.
  await db.prisma.finding.update({ where: { id: before[1]!.id }, data: { status: 'dismissed' } });
  await db.prisma.finding.update({ where: { id: before[2]!.id }, data: { severity: 'low', severity_source: 'manual' } });

  const second = await scan(t);
  const again = await recordDetections(db.prisma, second, 'security', 'https://site.test/b', [
    detection(1, { description: 'seen 1, changed', evidence: { count: 10, nodeCount: 3 }, confidence: 0.5, checkId: 'security.check_1b', verificationKey: 'key_1b' }),
    detection(2),
    detection(3, { severity: 'high' }), // the person's severity holds
    detection(4),
  ]);
  expect(again.findingIds).toEqual(before.map((f) => f.id)); // title order, the same rows
  const after = await findingsOf(t);
  expect(after[0]).toMatchObject({
    description: 'seen 1, changed',
    evidence: { count: 10, nodeCount: 3, check_severity: 'medium' },
    confidence: 0.5,
    check_id: 'security.check_1b',
    verification_key: 'key_1b',
  });
  for (const [i, f] of after.entries()) {
    expect(f.last_seen_scan_id).toBe(second.scanRunId);
    expect(f.first_seen_scan_id).toBe(first.scanRunId);
    expect(f.affected_assets).toEqual([
      { type: 'url', value: 'https://site.test/a' },
      { type: 'url', value: 'https://site.test/b' },
    ]);
    expect(f.updated_at.getTime()).toBeGreaterThanOrEqual(before[i]!.updated_at.getTime());
  }
  expect(after.map((f) => [f.status, f.severity, f.severity_source])).toEqual([
    ['new', 'medium', 'check'],
    ['dismissed', 'medium', 'check'],
    ['new', 'low', 'manual'],
    ['new', 'medium', 'check'],
  ]);
  expect(await eventsOf(t)).toHaveLength(4);

  // The same scan again (a retried activity): nothing moves; the page is not appended twice.
  await recordDetections(db.prisma, second, 'security', 'https://site.test/b', [detection(1), detection(2), detection(3), detection(4)]);
  expect(await findingsOf(t)).toEqual(after);
});

it('beside unchanged findings, a severity change and a redetection are written with their events, regression and critical notice', async () => {
  const t = await project();
  await recordDetections(db.prisma, await scan(t), 'security', 'https://site.test/', [detection(1), detection(2), detection(3)]);
  const [f1, f2] = await findingsOf(t);
  await db.prisma.finding.update({ where: { id: f2!.id }, data: { status: 'resolved' } });

  const rescan = await scan(t);
  await recordDetections(db.prisma, rescan, 'security', 'https://site.test/', [detection(1, { severity: 'critical' }), detection(2), detection(3)]);
  const after = await findingsOf(t);
  expect(after.map((f) => [f.title, f.status, f.severity, f.last_seen_scan_id])).toEqual([
    ['finding 1', 'new', 'critical', rescan.scanRunId],
    ['finding 2', 'triaged', 'medium', rescan.scanRunId],
    ['finding 3', 'new', 'medium', rescan.scanRunId],
  ]);
  const events = (await eventsOf(t)).slice(3).map((e) => [e.finding_id, e.kind]);
  expect(events).toEqual(expect.arrayContaining([[f1!.id, 'severity_changed'], [f2!.id, 'redetected']]));
  expect(events).toHaveLength(2);
  expect(await db.prisma.regression.findMany({ where: { finding_id: f2!.id } })).toEqual([
    expect.objectContaining({ trigger: 'scan_detected', status: 'open' }),
  ]);
  const notices = await db.prisma.notificationEvent.findMany({ where: { org_id: t.orgId, type: 'finding.critical_detected' } });
  expect(notices.map((n) => (n.data as { finding_id: string }).finding_id)).toEqual([f1!.id]);
});

it('a first scan creates every finding in title order with its detected event, and a critical one with its notice', async () => {
  const t = await project();
  const s = await scan(t);
  const result = await recordDetections(db.prisma, s, 'security', 'https://site.test/', [detection(3), detection(1, { severity: 'critical' }), detection(2), detection(3)]);
  const rows = await findingsOf(t);
  expect(result).toEqual({ findings: 3, findingIds: rows.map((f) => f.id) }); // one per title, in title order
  expect(rows.map((f) => [f.title, f.status, f.severity, f.severity_source, f.first_seen_scan_id, f.last_seen_scan_id, f.affected_assets])).toEqual(
    [1, 2, 3].map((i) => [`finding ${i}`, 'new', i === 1 ? 'critical' : 'medium', 'check', s.scanRunId, s.scanRunId, [{ type: 'url', value: 'https://site.test/' }]]),
  );
  expect(rows[1]).toMatchObject({ description: 'seen 2', evidence: { count: 2, check_severity: 'medium' }, confidence: 0.9, check_id: 'security.check_2', verification_key: 'key_2' });
  const events = await eventsOf(t);
  expect(events.map((e) => [e.finding_id, e.kind, e.status, e.severity, e.priority_score, e.actor]).sort()).toEqual(
    rows.map((f) => [f.id, 'detected', 'new', f.severity, 0, `scan:${s.scanRunId}`]).sort(),
  );
  const notices = await db.prisma.notificationEvent.findMany({ where: { org_id: t.orgId } });
  expect(notices.map((n) => [n.type, n.severity, n.data])).toEqual([
    [
      'finding.critical_detected',
      'critical',
      { finding_id: rows[0]!.id, title: 'finding 1', domain: 'security', check_id: 'security.check_1', severity: 'critical', scan_run_id: s.scanRunId, url: 'https://site.test/' },
    ],
  ]);
});
