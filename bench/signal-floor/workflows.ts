/**
 * The least a decision can be: a workflow waiting on a timer, as VerificationWorkflow waits out its
 * decision window, with a signal handler that does nothing (`noop`) or runs one local activity that
 * does nothing (`local`, the shape of a decision: signal → workflow task → local activity → task
 * completed). See ../signal-floor.ts.
 */
import { defineSignal, proxyLocalActivities, setHandler, sleep } from '@temporalio/workflow';

export const pingSignal = defineSignal<[string]>('ping');

const { nothing } = proxyLocalActivities<{ nothing(requestId: string): Promise<void> }>({ startToCloseTimeout: '30 seconds' });

export async function signalFloor(mode: 'noop' | 'local'): Promise<void> {
  setHandler(pingSignal, mode === 'local' ? (requestId) => nothing(requestId) : () => undefined);
  await sleep('7 days');
}
