import type { Prisma } from '../generated/prisma/client.ts';
import type { FindingEventKind, FindingStatus, Severity } from '../generated/prisma/enums.ts';

type Tx = Prisma.TransactionClient;

export interface FindingChange {
  status?: FindingStatus;
  severity?: Severity;
  severitySource?: 'check' | 'policy' | 'manual';
  ownerId?: string | null;
}

/**
 * Applies one change to a finding inside the caller's transaction and writes a FindingEvent for
 * each of status, severity and owner that actually changed. Returns the updated finding.
 */
export async function changeFinding(tx: Tx, findingId: string, change: FindingChange, actor: string, reason?: string) {
  const before = await tx.finding.findUniqueOrThrow({ where: { id: findingId } });
  const after = await tx.finding.update({
    where: { id: findingId },
    data: {
      ...(change.status !== undefined ? { status: change.status } : {}),
      ...(change.severity !== undefined ? { severity: change.severity, severity_source: change.severitySource ?? 'manual' } : {}),
      ...(change.ownerId !== undefined ? { owner_id: change.ownerId } : {}),
    },
  });
  const events: Array<{ kind: FindingEventKind; from_status?: FindingStatus; from_severity?: Severity }> = [];
  if (after.status !== before.status) events.push({ kind: 'status_changed', from_status: before.status });
  if (after.severity !== before.severity) events.push({ kind: 'severity_changed', from_severity: before.severity });
  if (after.owner_id !== before.owner_id) events.push({ kind: 'owner_changed' });
  for (const event of events) {
    await tx.findingEvent.create({
      data: {
        ...event,
        org_id: after.org_id,
        project_id: after.project_id,
        finding_id: after.id,
        status: after.status,
        severity: after.severity,
        priority_score: after.priority_score,
        actor,
        ...(reason !== undefined ? { reason } : {}),
      },
    });
  }
  return after;
}
