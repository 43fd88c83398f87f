import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { Config } from '../platform/config.ts';
import { TRIGGER } from '../platform/search-attributes.ts';
import type { SweeperWorkflow } from '../workflows/sweeper.ts';

export const SWEEPER_SCHEDULE_ID = 'sitewarden-sweeper';

/**
 * Creates the sweeper's Schedule unless it exists (every worker start calls it; the first one
 * wins, the others find it). An existing schedule is left as it is: change the interval with
 * `temporal schedule update`, or delete it and restart a worker (docs/deploy.md).
 */
export async function ensureSweeperSchedule(
  client: Client,
  config: Pick<Config, 'TEMPORAL_TASK_QUEUE' | 'SWEEP_INTERVAL_SECONDS' | 'SWEEP_GRACE_SECONDS'>,
): Promise<'created' | 'exists'> {
  try {
    await client.schedule.create({
      scheduleId: SWEEPER_SCHEDULE_ID,
      spec: { intervals: [{ every: `${config.SWEEP_INTERVAL_SECONDS}s` }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'SweeperWorkflow',
        workflowId: 'sitewarden-sweep',
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        args: [{ graceSeconds: config.SWEEP_GRACE_SECONDS }] satisfies Parameters<typeof SweeperWorkflow>,
        // It spans every org: found by its trigger (SitewardenTrigger='schedule'), with no org, project or URL.
        typedSearchAttributes: [{ key: TRIGGER, value: 'schedule' }],
        staticSummary: 'Sweep: close runs whose workflow ended without closing them',
      },
      // One sweep at a time; a sweep missed while the cluster was down is not made up.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
    });
    return 'created';
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) return 'exists';
    throw err;
  }
}
