import type { AnalysisStage } from '../domain/analysis.ts';
import type { ScannerStatus } from '../domain/scanners.ts';
import type { createAnalysisActivities } from './analysis.ts';
import type { createScanRunActivities, ScanOutcome } from './scan-runs.ts';

export interface ScanClosing {
  /** The AI stage as planned: `skipped` (already recorded, and the run closed), or `pending`. */
  analysis: AnalysisStage;
  /** Present when the run was closed here: no AI stage to wait for. */
  outcome?: ScanOutcome;
}

/**
 * What follows the scanners, in one step (patch scan-fewer-round-trips): the rule scores, the AI
 * stage's plan and, when there is no AI stage to run, its `skipped` record and the run's close.
 * The older path took three activities and a local activity for the same work; each round trip
 * costs a workflow task and a Temporal server write, which was most of a light scan's CPU
 * (docs/deploy.md, "Orchestration cost"). Each step is idempotent on its own, so a retry of the
 * whole is harmless: scores are recomputed, a closed run is not closed again.
 */
export function createScanClosingActivities(
  runs: Pick<ReturnType<typeof createScanRunActivities>, 'scoreScanFindings' | 'finalizeScanRun'>,
  analysis: Pick<ReturnType<typeof createAnalysisActivities>, 'planAnalysis' | 'recordAnalysisStage'>,
) {
  return {
    async closeScanRun(scanRunId: string, scannerStatus: Partial<ScannerStatus>, findingIds: string[]): Promise<ScanClosing> {
      await runs.scoreScanFindings(scanRunId);
      const plan = await analysis.planAnalysis(scanRunId);
      if (plan.status !== 'skipped') return { analysis: plan };
      await analysis.recordAnalysisStage(scanRunId, plan);
      return { analysis: plan, outcome: await runs.finalizeScanRun(scanRunId, scannerStatus, findingIds) };
    },
  };
}
