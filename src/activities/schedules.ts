import { Context } from '@temporalio/activity';
import type { Config } from '../platform/config.ts';
import type { Db } from '../platform/db.ts';
import { failFiring, type Firing, type FiringOutcome, scheduledScanEnded, startScheduledRun } from '../services/schedule-runs.ts';

/** ScheduledAuditWorkflow's activities (src/services/schedule-runs.ts does the work). */
export function createScheduleActivities(prisma: Db, config: Config) {
  return {
    /** Starts the firing's scan through the kickoff; the client is the worker's own. */
    async startScheduledRun(firing: Firing): Promise<FiringOutcome> {
      return startScheduledRun(prisma, Context.current().client, config, firing);
    },
    async failScheduledRun(firingId: string, reason: string): Promise<void> {
      await failFiring(prisma, firingId, reason);
    },
    /** Named for scans; answers for a crawl schedule's crawl id too (the name is in recorded histories). */
    async scheduledScanEnded(scanOrCrawlId: string): Promise<boolean> {
      return scheduledScanEnded(prisma, scanOrCrawlId);
    },
  };
}
