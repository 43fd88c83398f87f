import type { AnalysisStage } from '../../domain/analysis.ts';
import type { ScanRun } from '../../generated/prisma/client.ts';

import { iso } from './time.ts';

export function serializeScanRun(run: ScanRun) {
  return {
    id: run.id,
    org_id: run.org_id,
    project_id: run.project_id,
    url: run.url,
    trigger: run.trigger,
    status: run.status,
    scanner_status: run.scanner_status,
    summary: run.summary,
    // {status: pending|running|done|failed|skipped, reason?}; null on runs older than the AI stage.
    analysis: (run.analysis as AnalysisStage).status ? run.analysis : null,
    failure_reason: run.failure_reason,
    workflow_id: run.workflow_id,
    started_at: iso(run.started_at),
    finished_at: iso(run.finished_at),
    inserted_at: iso(run.inserted_at),
    updated_at: iso(run.updated_at),
  };
}
