import { defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';

export interface ScanWorkflowInput {
  scanRunId: string;
}

export interface ScanProgress {
  status: 'queued' | 'running' | 'completed' | 'failed';
  failureReason?: string;
}

export const scanStatusQuery = defineQuery<ScanProgress>('status');

const { markScanRunning, markScanFailed } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 10 },
});

/** Placeholder until the scanners exist: the run goes running → failed with a clear reason. */
export async function ScanWorkflow({ scanRunId }: ScanWorkflowInput): Promise<ScanProgress> {
  const progress: ScanProgress = { status: 'queued' };
  setHandler(scanStatusQuery, () => progress);

  await markScanRunning(scanRunId);
  progress.status = 'running';

  const reason = 'scanners not built yet';
  await markScanFailed(scanRunId, reason);
  progress.status = 'failed';
  progress.failureReason = reason;
  return progress;
}
