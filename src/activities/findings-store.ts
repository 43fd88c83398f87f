import type { DetectedFinding } from '../checks/types.ts';
import { severityFor, withCheckSeverity } from '../domain/policy.ts';
import type { FindingDomain } from '../generated/prisma/enums.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import type { Db } from '../platform/db.ts';

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
 * retried activity never leaves half a scanner's findings. Severities follow the project's policy
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
  // Sorted by title: concurrent scans of one project then lock the same rows in the same order.
  const unique = [...new Map(detections.map((d) => [d.title, d])).values()].sort((a, b) => (a.title < b.title ? -1 : a.title > b.title ? 1 : 0));
  const findingIds = await prisma.$transaction(async (tx) => {
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

async function upsertFinding(tx: Tx, scan: ScanContext, domain: FindingDomain, pageUrl: string, d: DetectedFinding, policyConfig: unknown): Promise<string> {
  const key = { org_id: scan.orgId, project_id: scan.projectId, domain, title: d.title };
  const actor = `scan:${scan.scanRunId}`;
  const existing = await tx.finding.findUnique({ where: { org_id_project_id_domain_title: key } });
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
    return created.id;
  }
  if (existing.last_seen_scan_id === scan.scanRunId) return existing.id;

  const assets = existing.affected_assets as Array<{ type: string; value: string }>;
  const manual = existing.severity_source === 'manual';
  const { severity, source } = severityFor(
    { domain, check_id: d.checkId, severity: manual ? existing.severity : d.severity, severity_source: existing.severity_source },
    policyConfig,
  );
  const reopened = existing.status === 'resolved';
  const status = reopened ? 'triaged' : existing.status;
  const updated = await tx.finding.update({
    where: { id: existing.id },
    data: {
      ...observed,
      severity,
      severity_source: source,
      status,
      affected_assets: assets.some((a) => a.value === pageUrl) ? assets : [...assets, asset],
    },
  });
  if (severity !== existing.severity) {
    await tx.findingEvent.create({
      data: { ...eventBase(updated, actor), kind: 'severity_changed', from_severity: existing.severity, status, severity },
    });
  }
  if (reopened) {
    await tx.regression.create({
      data: { org_id: scan.orgId, project_id: scan.projectId, finding_id: existing.id, trigger: 'scan_detected', scan_run_id: scan.scanRunId },
    });
    await tx.findingEvent.create({
      data: { ...eventBase(updated, actor), kind: 'redetected', from_status: 'resolved', status, severity },
    });
  }
  return existing.id;
}

function eventBase(f: { id: string; org_id: string; project_id: string; priority_score: number }, actor: string) {
  return { org_id: f.org_id, project_id: f.project_id, finding_id: f.id, priority_score: f.priority_score, actor };
}
