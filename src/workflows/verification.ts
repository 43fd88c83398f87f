import { condition, defineQuery, defineSignal, proxyActivities, proxyLocalActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { Decision } from '../activities/verifications.ts';
import type { DecisionOutcome } from '../services/verification-decisions.ts';

export interface VerificationWorkflowInput {
  verificationId: string;
}

/** Who decided, and the id the caller waits on through the `decision` query. */
export interface DecisionRequest {
  requestId: string;
  actorKeyId: string;
}

export const approveSignal = defineSignal<[DecisionRequest]>('approve');
export const reopenSignal = defineSignal<[DecisionRequest]>('reopen');
export const decisionQuery = defineQuery<DecisionOutcome | null, [string]>('decision');

// Reading the plan and applying a decision are short database work: local activities spare
// each of them two round trips through the Temporal server.
const activities = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 10 },
});

// On the browser queue the evaluation takes its org's fair share of it like the scanners
// (src/workflows/scan.ts, browserScanners): attempts are turns in the queue, the activity bounds
// the runs that fail (3) and the wait. Options only, no command change: no patched() needed.
function evaluator(taskQueue?: string) {
  return proxyActivities<Activities>({
    ...(taskQueue ? { taskQueue } : {}),
    startToCloseTimeout: '5 minutes',
    heartbeatTimeout: '30 seconds',
    scheduleToStartTimeout: '35 minutes',
    scheduleToCloseTimeout: '60 minutes',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
  });
}

/**
 * Re-check the finding of a task, then serve approve/reopen decisions, one at a time, until the
 * decision window passes quietly. A decision after that starts the workflow again
 * (signal-with-start): the checks are not re-run, the decision is applied.
 */
export async function VerificationWorkflow({ verificationId }: VerificationWorkflowInput): Promise<void> {
  const waiting: Array<{ decision: Decision; request: DecisionRequest }> = [];
  const outcomes = new Map<string, DecisionOutcome>();
  setHandler(approveSignal, (request) => void waiting.push({ decision: 'approve', request }));
  setHandler(reopenSignal, (request) => void waiting.push({ decision: 'reopen', request }));
  setHandler(decisionQuery, (requestId) => outcomes.get(requestId) ?? null);

  const plan = await activities.startVerification(verificationId);
  if (!plan.evaluated) {
    const { result } = await evaluator(plan.needsBrowser ? plan.browserTaskQueue : undefined).evaluateVerification(verificationId);
    if (result === 'passed' && plan.autoApprove) await activities.decideVerification(verificationId, 'approve', null);
  }

  while (await condition(() => waiting.length > 0, plan.decisionWindowSeconds * 1000)) {
    const next = waiting.shift()!;
    outcomes.set(next.request.requestId, await activities.decideVerification(verificationId, next.decision, next.request.actorKeyId));
  }
}
