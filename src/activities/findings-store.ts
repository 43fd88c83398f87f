import { randomUUID } from 'node:crypto';
import type { DetectedFinding } from '../checks/types.ts';
import { withAffectedUrl } from '../domain/affected-assets.ts';
import { statusOnRedetection } from '../domain/lifecycle.ts';
import { severityFor, withCheckSeverity } from '../domain/policy.ts';
import type { FindingDomain, Severity } from '../generated/prisma/enums.ts';
import type { Finding, Prisma } from '../generated/prisma/client.ts';
import type { Db } from '../platform/db.ts';
import { recordNotificationEvent } from '../services/notification-outbox.ts';
import { openRegression } from '../services/regressions.ts';

export interface ScanContext {
  scanRunId: string;
  orgId: string;
  projectId: string;
}

type Tx = Prisma.TransactionClient;

/**
 * What a scanner hands back: the ids of the findings it recorded. The run's summary counts these,
 * not "findings last seen by this run", which a concurrent scan of the project may overwrite.
 */
export interface ScannerResult {
  findings: number;
  findingIds: string[];
}

/**
 * Upserts one scanner's detections on (org, project, domain, title), in one transaction so a
 * retried activity never leaves half a scanner's findings. The existing findings are locked (in id
 * order) before they are read, so a person's edit is never overwritten by a rescan. Severities follow the project's policy
 * `severity_rules` (none without a stored policy) unless a person set one. Re-detection of a
 * resolved finding opens a `scan_detected` regression and moves it back to triaged; every status
 * or severity change is written to FindingEvent. Running it twice for the same scan changes
 * nothing more.
 */
export async function recordDetections(
  prisma: Db,
  scan: ScanContext,
  domain: FindingDomain,
  pageUrl: string,
  detections: readonly DetectedFinding[],
): Promise<ScannerResult> {
  const unique = [...new Map(detections.map((d) => [d.title, d])).values()].sort((a, b) => (a.title < b.title ? -1 : a.title > b.title ? 1 : 0));
  const findingIds = await prisma.$transaction(async (tx) => {
    // The existing findings this scanner will touch, locked first and in id order: the order a bulk
    // edit locks in (finding-edits.ts) and every other scan too. Locked one by one in title order
    // instead, a rescan holding one finding and waiting for the next deadlocked with a bulk
    // dismissal holding the next and waiting for the first, and PostgreSQL aborted the dismissal
    // (races.test.ts saw it lose three attempts in a row: a 500).
    const locked = await tx.$queryRaw<Array<{ id: string }>>`
      SELECT id FROM findings
       WHERE org_id = ${scan.orgId}::uuid AND project_id = ${scan.projectId} AND domain = ${domain}::"FindingDomain"
         AND title = ANY(${unique.map((d) => d.title)}::text[])
       ORDER BY id FOR UPDATE`;
    // Read once the locks are held: what a person committed before is what is read here.
    const [rows, policy] = await Promise.all([
      locked.length ? tx.finding.findMany({ where: { id: { in: locked.map((r) => r.id) } } }) : Promise.resolve([]),
      tx.policy.findUnique({ where: { org_id_project_id: { org_id: scan.orgId, project_id: scan.projectId } }, select: { config: true } }),
    ]);
    const byTitle = new Map(rows.map((row) => [row.title, row]));
    const ids: string[] = [];
    const writes: Writes = { creations: [], observations: [] };
    for (const detection of unique) {
      ids.push(await upsertFinding(tx, scan, domain, pageUrl, detection, policy?.config ?? null, byTitle.get(detection.title) ?? null, writes));
    }
    await writeCreations(tx, scan, pageUrl, writes.creations);
    await writeObservations(tx, scan.scanRunId, writes.observations);
    return ids;
  });
  return { findings: findingIds.length, findingIds };
}

/**
 * One detection: a new finding is added to `writes.creations` (one INSERT of them all, with their
 * events: writeCreations); an existing one (`existing`, read under the lock) that only needs what
 * the scan observed written is added to `writes.observations` (one UPDATE of them all:
 * writeObservations); one whose severity or status moves is updated here, with its events,
 * regression and notice.
 */
async function upsertFinding(
  tx: Tx,
  scan: ScanContext,
  domain: FindingDomain,
  pageUrl: string,
  d: DetectedFinding,
  policyConfig: unknown,
  existing: Finding | null,
  writes: Writes,
): Promise<string> {
  const key = { org_id: scan.orgId, project_id: scan.projectId, domain, title: d.title };
  const actor = `scan:${scan.scanRunId}`;
  const asset = { type: 'url', value: pageUrl };
  const observed = {
    check_id: d.checkId,
    description: d.description,
    confidence: d.confidence,
    evidence: withCheckSeverity(d.evidence, d.severity) as Prisma.InputJsonObject,
    verification_key: d.verificationKey,
    last_seen_scan_id: scan.scanRunId,
  };

  if (!existing) {
    // Created with the others (writeCreations); the id is chosen here so the scanner's result keeps title order.
    const assigned = severityFor({ domain, check_id: d.checkId, severity: d.severity, severity_source: 'check' }, policyConfig);
    const id = randomUUID();
    writes.creations.push({
      id,
      ...key,
      ...observed,
      severity: assigned.severity,
      severity_source: assigned.source,
      status: 'new',
      affected_assets: [asset],
      first_seen_scan_id: scan.scanRunId,
    });
    return id;
  }
  if (existing.last_seen_scan_id === scan.scanRunId) return existing.id;

  // The scan writes what it observes; severity only while no person set it, status only where
  // the lifecycle moves it (resolved → triaged). Never a value read earlier and written back.
  const assets = withAffectedUrl(existing.affected_assets, pageUrl);
  const manual = existing.severity_source === 'manual';
  const { severity, source } = severityFor(
    { domain, check_id: d.checkId, severity: manual ? existing.severity : d.severity, severity_source: existing.severity_source },
    policyConfig,
  );
  const severityChanged = !manual && (severity !== existing.severity || source !== existing.severity_source);
  const redetectedStatus = statusOnRedetection(existing.status);
  const status = redetectedStatus ?? existing.status;
  if (!severityChanged && !redetectedStatus) {
    // The common rescan: nothing a person sees moves, so no event; written with the others.
    writes.observations.push({ id: existing.id, ...observed, affected_assets: assets });
    return existing.id;
  }
  const updated = await tx.finding.update({
    where: { id: existing.id },
    data: {
      ...observed,
      ...(severityChanged ? { severity, severity_source: source } : {}),
      ...(redetectedStatus ? { status: redetectedStatus } : {}),
      ...(assets ? { affected_assets: assets as Prisma.InputJsonArray } : {}),
    },
  });
  if (updated.severity !== existing.severity) {
    await tx.findingEvent.create({
      data: { ...eventBase(updated, actor), kind: 'severity_changed', from_severity: existing.severity, status, severity: updated.severity },
    });
    if (updated.severity === 'critical') await recordCriticalDetected(tx, updated, scan.scanRunId, pageUrl);
  }
  if (redetectedStatus) {
    await openRegression(tx, { orgId: scan.orgId, projectId: scan.projectId, findingId: existing.id, trigger: 'scan_detected', scanRunId: scan.scanRunId });
    await tx.findingEvent.create({
      data: { ...eventBase(updated, actor), kind: 'redetected', from_status: existing.status, status, severity: updated.severity },
    });
  }
  return existing.id;
}

/** finding.critical_detected: a new critical finding, or one a rescan made critical. */
function recordCriticalDetected(
  tx: Tx,
  f: { id: string; org_id: string; project_id: string; title: string; domain: FindingDomain; check_id: string; severity: Severity },
  scanRunId: string,
  pageUrl: string,
) {
  return recordNotificationEvent(tx, {
    orgId: f.org_id,
    projectId: f.project_id,
    type: 'finding.critical_detected',
    severity: f.severity,
    data: { finding_id: f.id, title: f.title.slice(0, 300), domain: f.domain, check_id: f.check_id, severity: f.severity, scan_run_id: scanRunId, url: pageUrl },
  });
}

/** What a scanner's transaction writes in bulk once every detection has been looked at. */
interface Writes {
  creations: Array<Prisma.FindingCreateManyInput & { id: string; severity: Severity }>;
  observations: Observation[];
}

/**
 * The scanner's new findings in one INSERT, their `detected` events in another, and a
 * finding.critical_detected notice for each critical one: it was an insert and an event per
 * finding. The priority in the event is the new row's (0 until scoreScanFindings scores it).
 */
async function writeCreations(tx: Tx, scan: ScanContext, pageUrl: string, creations: Writes['creations']): Promise<void> {
  if (creations.length === 0) return;
  await tx.finding.createMany({ data: creations });
  const actor = `scan:${scan.scanRunId}`;
  await tx.findingEvent.createMany({
    data: creations.map((f) => ({ ...eventBase({ ...f, priority_score: 0 }, actor), kind: 'detected' as const, status: 'new' as const, severity: f.severity })),
  });
  for (const f of creations) {
    if (f.severity === 'critical') await recordCriticalDetected(tx, f, scan.scanRunId, pageUrl);
  }
}

/** What a rescan writes of a finding whose severity and status stay: what the check observed, and the page among its assets. */
interface Observation {
  id: string;
  check_id: string;
  description: string;
  confidence: number;
  evidence: Prisma.InputJsonObject;
  verification_key: string;
  /** Null when the page is already among them. */
  affected_assets: unknown[] | null;
}

/**
 * The observations of a scanner's rescan in one UPDATE from arrays (the rows are locked already,
 * by recordDetections): it was one locking read, one read and one update per finding, 63 round
 * trips for the defects page's 21 findings (docs/deploy.md, "Orchestration cost"). updated_at
 * moves as Prisma's @updatedAt moved it.
 */
async function writeObservations(tx: Tx, scanRunId: string, observations: Observation[]): Promise<void> {
  if (observations.length === 0) return;
  const column = <K extends keyof Observation>(key: K) => observations.map((o) => o[key]);
  await tx.$executeRaw`
    UPDATE findings AS f
       SET check_id = o.check_id, description = o.description, confidence = o.confidence, evidence = o.evidence::jsonb,
           verification_key = o.verification_key, last_seen_scan_id = ${scanRunId}::uuid,
           affected_assets = COALESCE(o.affected_assets::jsonb, f.affected_assets), updated_at = ${new Date()}
      FROM unnest(${column('id')}::uuid[], ${column('check_id')}::text[], ${column('description')}::text[], ${column('confidence')}::float8[],
                  ${observations.map((o) => JSON.stringify(o.evidence))}::text[], ${column('verification_key')}::text[],
                  ${observations.map((o) => (o.affected_assets ? JSON.stringify(o.affected_assets) : null))}::text[])
           AS o(id, check_id, description, confidence, evidence, verification_key, affected_assets)
     WHERE f.id = o.id`;
}

function eventBase(f: { id: string; org_id: string; project_id: string; priority_score: number }, actor: string) {
  return { org_id: f.org_id, project_id: f.project_id, finding_id: f.id, priority_score: f.priority_score, actor };
}
