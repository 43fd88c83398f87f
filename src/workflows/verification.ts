import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  defineQuery,
  defineSignal,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { Decision, VerificationPlan } from '../activities/verifications.ts';
import type { DecisionOutcome } from '../services/verification-decisions.ts';

export interface VerificationWorkflowInput {
  verificationId: string;
}

/** Who decided, and the id the caller waits on (NOTIFY from the decision, or the `decision` query). */
export interface DecisionRequest {
  requestId: string;
  actorKeyId: string;
}

export const approveSignal = defineSignal<[DecisionRequest]>('approve');
export const reopenSignal = defineSignal<[DecisionRequest]>('reopen');
export const decisionQuery = defineQuery<DecisionOutcome | null, [string]>('decision');

/**
 * Deploy marker of the saga version (docs/remediation.md, "Deploying workflow changes"): a failure
 * path, decisions applied by their own signal handlers and awaited with allHandlersFinished, the
 * evaluation timed by its work and, for HTTP-only keys, run as a local activity. Histories that
 * started before it replay the original code below (`legacyVerification`).
 */
export const VERIFICATION_SAGA_PATCH = 'verification-saga-v2';

/**
 * Deploy marker of the cheaper decisions (docs/remediation.md, "What a decision costs"): the
 * decision window is one timer, moved on only when it fires, where each decision cancelled the
 * window's timer and started a new one (two commands and a timer task more per decision); a
 * decision applied after the evaluation settled skips the wait for it. Histories without it replay
 * the saga-v2 loop.
 */
export const VERIFICATION_ONE_TIMER_PATCH = 'verification-decision-one-timer';

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
 * Where and how long an evaluation runs. Accessibility and performance keys need Chromium: an
 * activity on the browser queue that heartbeats, timed to its Lighthouse/axe runs in sequence.
 * Security and SEO keys are a few bounded fetches: a local activity, so a verification settles
 * within its first workflow task (no server round trip per step).
 */
function evaluation(plan: VerificationPlan) {
  const startToCloseTimeout = plan.evaluationTimeoutMs ?? 5 * 60_000;
  const retry = { initialInterval: '2 seconds', maximumAttempts: 3 } as const;
  if (!plan.needsBrowser) return proxyLocalActivities<Activities>({ startToCloseTimeout, retry });
  // The browser queue's fair share, as in evaluator(): attempts are turns in the queue.
  return proxyActivities<Activities>({
    taskQueue: plan.browserTaskQueue,
    startToCloseTimeout,
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
 *
 * Failure path: an evaluation that cannot finish (retries spent, timed out, cancelled) marks the
 * verification `failed` with the reason, which frees the task for a new run, and refunds the AI
 * unit the run was charged. The workflow returns only once every decision it received is applied.
 */
export async function VerificationWorkflow({ verificationId }: VerificationWorkflowInput): Promise<void> {
  const outcomes = new Map<string, DecisionOutcome>();
  setHandler(decisionQuery, (requestId) => outcomes.get(requestId) ?? null);
  if (!patched(VERIFICATION_SAGA_PATCH)) return legacyVerification(verificationId, outcomes);

  // Read once, in the first activation (before any handler can run), so every later step takes
  // the same path on replay.
  const oneTimer = patched(VERIFICATION_ONE_TIMER_PATCH);

  // Decisions run one at a time, in the order they arrived, after the evaluation settled.
  let settled = false;
  let received = 0;
  /** Workflow time of the last decision received: the window is counted from it. */
  let lastReceivedAt = 0;
  let tail: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(work: () => Promise<T>): Promise<T> => {
    const turn = tail.then(work);
    tail = turn.catch(() => undefined);
    return turn;
  };
  const apply = async (decision: Decision, request: DecisionRequest) => {
    try {
      outcomes.set(request.requestId, await activities.decideVerification(verificationId, decision, request.actorKeyId, request.requestId));
    } catch (err) {
      // The database refused for good: answer the caller instead of failing the workflow.
      outcomes.set(request.requestId, { ok: false, message: `the ${decision} could not be applied (${failureReason(err)}); try again` });
    }
  };
  const onDecision = (decision: Decision) => (request: DecisionRequest) => {
    received++;
    lastReceivedAt = Date.now();
    // After the evaluation settled, a decision waits for nothing but the one before it: no
    // condition (each costs promises, and so CPU, in the workflow sandbox).
    if (oneTimer) return inTurn(async () => (settled ? apply(decision, request) : condition(() => settled).then(() => apply(decision, request))));
    // As before the patch, to the statement.
    return inTurn(async () => {
      await condition(() => settled);
      try {
        outcomes.set(request.requestId, await activities.decideVerification(verificationId, decision, request.actorKeyId, request.requestId));
      } catch (err) {
        outcomes.set(request.requestId, { ok: false, message: `the ${decision} could not be applied (${failureReason(err)}); try again` });
      }
    });
  };
  setHandler(approveSignal, onDecision('approve'));
  setHandler(reopenSignal, onDecision('reopen'));

  let plan: VerificationPlan | undefined;
  try {
    plan = await activities.startVerification(verificationId);
    if (!plan.evaluated) {
      const { result } = await evaluation(plan).evaluateVerification(verificationId);
      // Before any queued decision: those wait for `settled`, set below.
      if (result === 'passed' && plan.autoApprove) await activities.decideVerification(verificationId, 'approve', null);
    }
  } catch (err) {
    // Compensate even when cancelled: a pending verification would block its task for good.
    await CancellationScope.nonCancellable(() => activities.failVerification(verificationId, failureReason(err)));
    if (isCancellation(err)) throw err;
  }
  settled = true;

  const windowMs = (plan?.decisionWindowSeconds ?? 0) * 1000;
  if (oneTimer) {
    // Until a whole window passes with no decision: one timer, moved on when it fires to a window
    // after the last decision (decisions received during the evaluation count from here).
    for (let until = Date.now() + windowMs; windowMs > 0; until = lastReceivedAt + windowMs) {
      await sleep(until - Date.now());
      if (lastReceivedAt + windowMs <= Date.now()) break;
    }
  } else {
    let seen = 0;
    while (windowMs > 0 && (await condition(() => received > seen, windowMs))) seen = received;
  }
  await condition(allHandlersFinished);
}

/** The workflow as it ran before VERIFICATION_SAGA_PATCH, kept for histories that started then. */
async function legacyVerification(verificationId: string, outcomes: Map<string, DecisionOutcome>): Promise<void> {
  const waiting: Array<{ decision: Decision; request: DecisionRequest }> = [];
  setHandler(approveSignal, (request) => void waiting.push({ decision: 'approve', request }));
  setHandler(reopenSignal, (request) => void waiting.push({ decision: 'reopen', request }));

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

/** The user-facing reason: the activity's own message, not Temporal's wrapper. */
function failureReason(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure || cause instanceof Error) return cause.message;
  return 'unknown failure';
}
