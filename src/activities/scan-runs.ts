import type { Db } from '../platform/db.ts';

/** Scan-run bookkeeping. Each update is guarded by the current status so retries are harmless. */
export function createScanRunActivities(prisma: Db) {
  return {
    async markScanRunning(scanRunId: string): Promise<void> {
      await prisma.scanRun.updateMany({ where: { id: scanRunId, status: 'queued' }, data: { status: 'running' } });
    },

    async markScanFailed(scanRunId: string, reason: string): Promise<void> {
      await prisma.scanRun.updateMany({
        where: { id: scanRunId, status: { in: ['queued', 'running'] } },
        data: { status: 'failed', failure_reason: reason, finished_at: new Date() },
      });
    },
  };
}
