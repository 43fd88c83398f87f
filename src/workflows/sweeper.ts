import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { SweepOutcome } from '../activities/sweeper.ts';

export interface SweeperInput {
  /** How old an open row must be before its workflow's absence counts (SWEEP_GRACE_SECONDS). */
  graceSeconds: number;
}

const sweeping = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumAttempts: 3 },
});

/**
 * Started by the `sitewarden-sweeper` Schedule (src/services/sweeper-schedule.ts): closes scan runs,
 * verifications and reports whose workflow is closed or missing, and deletes orphaned page
 * snapshots. A failed sweep fails this run only; the next one comes with the schedule.
 */
export async function SweeperWorkflow({ graceSeconds }: SweeperInput): Promise<SweepOutcome> {
  return sweeping.sweepStaleWork(graceSeconds);
}
