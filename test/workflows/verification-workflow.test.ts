import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
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

async function withWorkers<T>(
  plan: Partial<VerificationPlan>,
  result: 'passed' | 'failed',
  body: (ctx: { taskQueue: string; calls: string[] }) => Promise<T>,
  overrides: (calls: string[]) => Partial<Activities> = () => ({}),
) {
  const taskQueue = `test-${randomUUID()}`;
  const calls: string[] = [];
  let approved = false;
  const activities: Partial<Activities> = {
    async failVerification(_id, reason) {
      calls.push(`fail:${reason}`);
      return { failed: true };
    },
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
    ...overrides(calls),
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

it('marks the verification failed with the reason when the evaluation exhausts its retries, and still answers decisions', async () => {
  const evaluate = async () => {
    throw new Error('Chromium crashed');
  };
  await withWorkers(
    { decisionWindowSeconds: 1 },
    'passed',
    async ({ taskQueue, calls }) => {
      const handle = await env.client.workflow.start(VerificationWorkflow, { taskQueue, workflowId: `verification-${randomUUID()}`, args: [{ verificationId: 'v5' }] });
      await handle.signal(reopenSignal, { requestId: 'r1', actorKeyId: 'k1' });
      await handle.result();
      expect(calls).toEqual(['evaluate', 'evaluate', 'evaluate', 'fail:Chromium crashed', 'reopen:k1']);
      expect(await handle.query(decisionQuery, 'r1')).toEqual({ ok: true });
    },
    (calls) => ({
      evaluateVerification: async () => {
        calls.push('evaluate');
        return evaluate();
      },
    }),
  );
}, 30_000);

it('marks the verification failed when the workflow is cancelled during the evaluation', async () => {
  await withWorkers(
    {},
    'passed',
    async ({ taskQueue, calls }) => {
      const handle = await env.client.workflow.start(VerificationWorkflow, { taskQueue, workflowId: `verification-${randomUUID()}`, args: [{ verificationId: 'v6' }] });
      while (!calls.includes('evaluate')) await new Promise((r) => setTimeout(r, 20));
      await handle.cancel();
      await expect(handle.result()).rejects.toThrow();
      expect(calls.filter((c) => c.startsWith('fail:'))).toHaveLength(1);
      expect((await handle.describe()).status.name).toBe('CANCELLED');
    },
    (calls) => ({
      // Like the real one: stops when cancelled.
      evaluateVerification: async () => {
        calls.push('evaluate');
        const signal = Context.current().cancellationSignal;
        await new Promise((resolve, reject) => {
          const timer = setTimeout(resolve, 10_000);
          signal.addEventListener('abort', () => (clearTimeout(timer), reject(new Error('cancelled'))));
        });
        return { result: 'passed' };
      },
    }),
  );
});

it('does not complete while a decision is still being applied', async () => {
  let applied = false;
  await withWorkers(
    { evaluated: true, decisionWindowSeconds: 1 },
    'passed',
    async ({ taskQueue }) => {
      const handle = await env.client.workflow.signalWithStart(VerificationWorkflow, {
        taskQueue,
        workflowId: `verification-${randomUUID()}`,
        args: [{ verificationId: 'v7' }],
        signal: approveSignal,
        signalArgs: [{ requestId: 'r1', actorKeyId: 'k1' }],
      });
      await handle.result();
      // The window (1 s) ended while the decision (2.5 s) was in flight: the workflow waited for it.
      expect(applied).toBe(true);
      expect(await handle.query(decisionQuery, 'r1')).toEqual({ ok: true });
    },
    (calls) => ({
      decideVerification: async (_id, decision, actor) => {
        calls.push(`${decision}:${actor}`);
        await new Promise((r) => setTimeout(r, 2_500));
        applied = true;
        return { ok: true };
      },
    }),
  );
});
