import type { FindingStatus, Severity, SeveritySource } from '../generated/prisma/enums.ts';
import { canMoveFinding } from './lifecycle.ts';

/** What a person asks to change on a finding (PATCH findings/:id, POST findings/bulk). */
export interface FindingEdit {
  status?: FindingStatus;
  severity?: Severity;
  owner_id?: string | null;
}

export interface EditableFinding {
  status: FindingStatus;
  severity: Severity;
  severity_source: SeveritySource;
  owner_id: string | null;
}

/** The part of an edit that changes something, in the terms of `changeFinding`. */
export interface PlannedChange {
  status?: FindingStatus;
  severity?: Severity;
  severitySource?: 'manual';
  ownerId?: string | null;
}

export type EditPlan = { ok: true; change: PlannedChange | null } | { ok: false; reason: string };

/**
 * Checks an edit against a finding's current state. Asking for the status it already has is not
 * a move (nothing to refuse, nothing to write); a severity, even the current one, pins it as a
 * person's choice (`severity_source: manual`), which later scans and policies leave alone.
 */
export function planFindingEdit(current: EditableFinding, edit: FindingEdit): EditPlan {
  const change: PlannedChange = {};
  if (edit.status !== undefined && edit.status !== current.status) {
    if (!canMoveFinding(current.status, edit.status)) return { ok: false, reason: `cannot move ${current.status} → ${edit.status}` };
    change.status = edit.status;
  }
  if (edit.severity !== undefined && (edit.severity !== current.severity || current.severity_source !== 'manual')) {
    change.severity = edit.severity;
    change.severitySource = 'manual';
  }
  if (edit.owner_id !== undefined && edit.owner_id !== current.owner_id) change.ownerId = edit.owner_id;
  return { ok: true, change: Object.keys(change).length > 0 ? change : null };
}
