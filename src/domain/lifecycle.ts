import type { FindingStatus, RegressionStatus, TaskStatus, VerificationResult } from '../generated/prisma/enums.ts';

/**
 * Where a finding may go by hand. `resolved` by hand is allowed from ready_verify (approving a
 * verification is the usual way); `dismissed` ("won't fix") from any open status; the terminal
 * statuses change only through a verification reopen or a scan re-detection.
 */
const FINDING_MOVES: Record<FindingStatus, readonly FindingStatus[]> = {
  new: ['triaged', 'in_progress', 'dismissed'],
  triaged: ['in_progress', 'dismissed'],
  in_progress: ['triaged', 'ready_verify', 'dismissed'],
  ready_verify: ['in_progress', 'resolved', 'dismissed'],
  resolved: [],
  dismissed: [],
};

/**
 * The one list of each concept's "open" states. Every query, count and rule that asks "is it
 * open?" uses these, and so do the partial unique indexes that keep one open task per finding,
 * one running verification per task and one open regression per finding (written by hand in
 * prisma/migrations/*_one_open_per_finding; the schema-drift test derives their predicates from
 * these lists, so changing a list without a migration fails it).
 */
export const OPEN_FINDING_STATUSES: readonly FindingStatus[] = ['new', 'triaged', 'in_progress', 'ready_verify'];
export const OPEN_TASK_STATUSES: readonly TaskStatus[] = ['backlog', 'in_progress', 'blocked', 'ready_verify'];
/** A verification still checking: `pending` until its workflow records passed or failed. */
export const RUNNING_VERIFICATION_RESULT: VerificationResult = 'pending';
export const OPEN_REGRESSION_STATUS: RegressionStatus = 'open';

export const isOpenFinding = (status: FindingStatus) => OPEN_FINDING_STATUSES.includes(status);

/**
 * The one status change a scan makes to a finding it sees again: a resolved finding re-detected
 * goes back to triaged (and opens a regression). Every other status belongs to people.
 */
export function statusOnRedetection(status: FindingStatus): FindingStatus | undefined {
  return status === 'resolved' ? 'triaged' : undefined;
}

export function canMoveFinding(from: FindingStatus, to: FindingStatus): boolean {
  return FINDING_MOVES[from].includes(to);
}

/** `done` is never a move by hand: approving a verification sets it. */
const TASK_MOVES: Record<TaskStatus, readonly TaskStatus[]> = {
  backlog: ['in_progress', 'blocked'],
  in_progress: ['backlog', 'blocked', 'ready_verify'],
  blocked: ['backlog', 'in_progress'],
  ready_verify: ['in_progress', 'blocked'],
  done: [],
};

export function canMoveTask(from: TaskStatus, to: TaskStatus): boolean {
  return TASK_MOVES[from].includes(to);
}

/** A task's move carries its open finding along to the same stage. */
export function findingStatusForTask(task: TaskStatus): FindingStatus | undefined {
  return task === 'in_progress' || task === 'ready_verify' ? task : undefined;
}
