import type { DetectedFinding } from '../checks/types.ts';

/** One entry of a verification's `checks`: Krafter's {key, before, after, status}, plus why. */
export type VerificationCheck = {
  key: string;
  before: 'failed';
  after: 'pending' | 'passed' | 'failed';
  status: 'running' | 'passed' | 'failed';
  detail?: string;
};

export function pendingCheck(key: string): VerificationCheck {
  return { key, before: 'failed', after: 'pending', status: 'running' };
}

export function settledCheck(key: string, passed: boolean, detail: string): VerificationCheck {
  const outcome = passed ? 'passed' : 'failed';
  return { key, before: 'failed', after: outcome, status: outcome, detail };
}

/**
 * Does a fresh look at a page still show what the key checks? A key of a header or tag (e.g.
 * security_header_csp) fails on any detection of its checks; a key shared by per-item checks
 * (accessibility_axe, lighthouse_audits) only on the finding's own item (its axe rule, its audit).
 */
export function judgeKey(key: string, findingCheckId: string, fresh: readonly DetectedFinding[]): { passed: boolean; detail: string } {
  const blocking = fresh.filter((d) => d.verificationKey === key && (d.checkId === d.groupId || d.checkId === findingCheckId));
  if (blocking.length === 0) return { passed: true, detail: 'not detected any more' };
  return { passed: false, detail: `still detected: ${blocking.map((d) => d.title).join('; ')}` };
}
