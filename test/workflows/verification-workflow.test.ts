import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../src/activities/index.ts';
import type { VerificationPlan } from '../../src/activities/verifications.ts';
import { approveSignal, decisionQuery, reopenSignal, VerificationWorkflow } from '../../src/workflows/verification.ts';
import { startTemporal, workflowBundle } from '../support/temporal.ts';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTemporal();
});
afterAll(() => env?.teardown());

async function withWorkers<T>(plan: Partial<VerificationPlan>, result: 'passed' | 'failed', body: (ctx: { taskQueue: string; calls: string[] }) => Promise<T>) {
  const taskQueue = `test-${randomUUID()}`;
  const calls: string[] = [];
  let approved = false;
  const activities: Partial<Activities> = {
    async startVerification() {
      return { evaluated: false, needsBrowser: false, browserTaskQueue: `${taskQueue}-browser`, decisionWindowSeconds: 60, autoApprove: false, ...plan };
    },
    async evaluateVerification() {
      calls.push('evaluate');
      return { result };
    },
    async decideVerification(_id, decision, actor) {
      calls.push(`${decision}:${actor}`);
      if (decision === 'approve' && (result !== 'passed' || approved)) return { ok: false, message: 'refused' };
      approved = decision === 'approve';
      return { ok: true };
    },
  };
  const [main, browser] = await Promise.all([
    Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: workflowBundle(), activities }),
    Worker.create({ connection: env.nativeConnection, taskQueue: `${taskQueue}-browser`, activities: { ...activities, evaluateVerification: async () => (calls.push('evaluate@browser'), { result }) } }),
  ]);
  const browserRunning = browser.run();
  try {
    return await main.runUntil(body({ taskQueue, calls }));
  } finally {
    browser.shutdown();
    await browserRunning;
  }
}

it('evaluates, then applies approve and reopen signals in order, answering each by request id', async () => {
  await withWorkers({}, 'passed', async ({ taskQueue, calls }) => {
    const handle = await env.client.workflow.start(VerificationWorkflow, { taskQueue, workflowId: `verification-${randomUUID()}`, args: [{ verificationId: 'v1' }] });
    await handle.signal(approveSignal, { requestId: 'r1', actorKeyId: 'k1' });
    await handle.signal(approveSignal, { requestId: 'r2', actorKeyId: 'k2' });
    await handle.signal(reopenSignal, { requestId: 'r3', actorKeyId: 'k1' });
    const outcome = async (id: string) => {
      for (;;) {
        const answer = await handle.query(decisionQuery, id);
        if (answer) return answer;
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    expect(await outcome('r1')).toEqual({ ok: true });
    expect(await outcome('r2')).toEqual({ ok: false, message: 'refused' });
    expect(await outcome('r3')).toEqual({ ok: true });
    expect(await handle.query(decisionQuery, 'unknown')).toBeNull();
    expect(calls).toEqual(['evaluate', 'approve:k1', 'approve:k2', 'reopen:k1']);
    await handle.terminate();
  });
});

it('completes when the decision window passes quietly', async () => {
  await withWorkers({ decisionWindowSeconds: 1 }, 'failed', async ({ taskQueue, calls }) => {
    await env.client.workflow.execute(VerificationWorkflow, { taskQueue, workflowId: `verification-${randomUUID()}`, args: [{ verificationId: 'v2' }] });
    expect(calls).toEqual(['evaluate']);
  });
});

it('approves a full pass itself under auto_approve, and evaluates on the browser queue when needed', async () => {
  await withWorkers({ decisionWindowSeconds: 1, autoApprove: true, needsBrowser: true }, 'passed', async ({ taskQueue, calls }) => {
    await env.client.workflow.execute(VerificationWorkflow, { taskQueue, workflowId: `verification-${randomUUID()}`, args: [{ verificationId: 'v3' }] });
    expect(calls).toEqual(['evaluate@browser', 'approve:null']);
  });
});

it('does not re-run the checks when a decision restarts a finished verification', async () => {
  await withWorkers({ evaluated: true, decisionWindowSeconds: 1 }, 'passed', async ({ taskQueue, calls }) => {
    const handle = await env.client.workflow.signalWithStart(VerificationWorkflow, {
      taskQueue,
      workflowId: `verification-${randomUUID()}`,
      args: [{ verificationId: 'v4' }],
      signal: approveSignal,
      signalArgs: [{ requestId: 'r1', actorKeyId: 'k9' }],
    });
    await handle.result();
    expect(calls).toEqual(['approve:k9']);
  });
});
