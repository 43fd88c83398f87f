import type { FindingStatus, TaskStatus } from '../generated/prisma/enums.ts';

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

export const OPEN_FINDING_STATUSES: readonly FindingStatus[] = ['new', 'triaged', 'in_progress', 'ready_verify'];

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
