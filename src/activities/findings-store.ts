import type { DetectedFinding } from '../checks/types.ts';
import { withAffectedUrl } from '../domain/affected-assets.ts';
import { statusOnRedetection } from '../domain/lifecycle.ts';
import { severityFor, withCheckSeverity } from '../domain/policy.ts';
import type { FindingDomain, Severity } from '../generated/prisma/enums.ts';
import type { Prisma } from '../generated/prisma/client.ts';
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
 * retried activity never leaves half a scanner's findings. Each existing finding is locked before
 * it is read (in title order), so a person's edit is never overwritten by a rescan. Severities follow the project's policy
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
    await tx.$queryRaw`
      SELECT id FROM findings
       WHERE org_id = ${scan.orgId}::uuid AND project_id = ${scan.projectId} AND domain = ${domain}::"FindingDomain"
         AND title = ANY(${unique.map((d) => d.title)}::text[])
       ORDER BY id FOR UPDATE`;
    const policy = await tx.policy.findUnique({
      where: { org_id_project_id: { org_id: scan.orgId, project_id: scan.projectId } },
      select: { config: true },
    });
    const ids: string[] = [];
    for (const detection of unique) ids.push(await upsertFinding(tx, scan, domain, pageUrl, detection, policy?.config ?? null));
    return ids;
  });
  return { findings: findingIds.length, findingIds };
}

/**
 * Locks the finding's row for the rest of the transaction (FOR UPDATE): a person's PATCH or bulk
 * edit either committed before (and is read here) or waits until this scan commits. Without the
 * lock a rescan read the row, a dismissal committed, and the rescan wrote the old status back.
 */
async function lockFinding(tx: Tx, key: { org_id: string; project_id: string; domain: FindingDomain; title: string }) {
  const [row] = await tx.$queryRaw<Array<{ id: string }>>`
    SELECT id FROM findings
     WHERE org_id = ${key.org_id}::uuid AND project_id = ${key.project_id} AND domain = ${key.domain}::"FindingDomain" AND title = ${key.title}
       FOR UPDATE`;
  return row ? tx.finding.findUniqueOrThrow({ where: { id: row.id } }) : null;
}

async function upsertFinding(tx: Tx, scan: ScanContext, domain: FindingDomain, pageUrl: string, d: DetectedFinding, policyConfig: unknown): Promise<string> {
  const key = { org_id: scan.orgId, project_id: scan.projectId, domain, title: d.title };
  const actor = `scan:${scan.scanRunId}`;
  const existing = await lockFinding(tx, key);
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
    const assigned = severityFor({ domain, check_id: d.checkId, severity: d.severity, severity_source: 'check' }, policyConfig);
    const created = await tx.finding.create({
      data: {
        ...key,
        ...observed,
        severity: assigned.severity,
        severity_source: assigned.source,
        status: 'new',
        affected_assets: [asset],
        first_seen_scan_id: scan.scanRunId,
      },
    });
    await tx.findingEvent.create({
      data: { ...eventBase(created, actor), kind: 'detected', status: 'new', severity: assigned.severity },
    });
    if (created.severity === 'critical') await recordCriticalDetected(tx, created, scan.scanRunId, pageUrl);
    return created.id;
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

function eventBase(f: { id: string; org_id: string; project_id: string; priority_score: number }, actor: string) {
  return { org_id: f.org_id, project_id: f.project_id, finding_id: f.id, priority_score: f.priority_score, actor };
}
