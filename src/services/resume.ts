import type { Client } from '@temporalio/client';
import { resumeQueuedReports } from '../reports/kickoff.ts';
import type { Db } from '../platform/db.ts';
import type { Logger } from '../platform/logger.ts';
import { resumeQueuedCrawls } from './crawls.ts';
import { RESUME_BATCH_SIZE, resumeQueuedScans } from './scan-kickoff.ts';

export interface ResumeDeps {
  prisma: Db;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
  batchSize?: number;
}

export interface ResumeOutcome {
  scans: number | 'failed';
  reports: number | 'failed';
  crawls: number | 'failed';
}

/**
 * Starts the workflows of queued scan runs and reports, in the background after the API listens.
 * Never rejects: an error (Temporal or the database unreachable) is logged and that kind is left
 * for the next API start, or the sweeper (docs/deploy.md). Before, one Temporal error crashed the
 * API before `listen`, and the restarted API crashed again on the same runs.
 */
export async function resumeQueuedWork({ prisma, temporal, taskQueue, logger, batchSize = RESUME_BATCH_SIZE }: ResumeDeps): Promise<ResumeOutcome> {
  const attempt = async (kind: 'scans' | 'reports' | 'crawls', resume: () => Promise<number>): Promise<number | 'failed'> => {
    try {
      return await resume();
    } catch (err) {
      logger.error({ err: { message: (err as Error)?.message, name: (err as Error)?.name }, kind }, `could not resume the queued ${kind}; the API keeps serving`);
      return 'failed';
    }
  };
  const outcome = {
    scans: await attempt('scans', () => resumeQueuedScans(prisma, temporal, taskQueue, batchSize)),
    reports: await attempt('reports', () => resumeQueuedReports(prisma, temporal, taskQueue, batchSize)),
    crawls: await attempt('crawls', () => resumeQueuedCrawls(prisma, temporal, taskQueue, batchSize)),
  };
  if (outcome.scans || outcome.reports || outcome.crawls) logger.info(outcome, 'resumed the workflows of queued scan runs, reports and crawls');
  return outcome;
}
