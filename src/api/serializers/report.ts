import type { Report } from '../../generated/prisma/client.ts';
import { burnDownDates } from '../../domain/report-summary.ts';
import { iso } from './time.ts';

/**
 * Krafter's report shape plus `failure_reason`, `sha256` and `workflow_id`. `export_url` is made
 * for each response (it expires), so it is passed in rather than read from the row.
 */
export function serializeReport(report: Report, exportUrl: string | null) {
  const snapshot = (report.snapshot ?? {}) as Record<string, unknown>;
  const period = burnDownDates(report.created_at);
  return {
    id: report.id,
    org_id: report.org_id,
    project_id: report.project_id,
    period_start: period[0],
    period_end: period.at(-1),
    format: report.format,
    status: report.status,
    snapshot: { ...snapshot, export_url: exportUrl },
    failure_reason: report.failure_reason,
    sha256: report.sha256,
    exported_at: typeof snapshot.exported_at === 'string' ? snapshot.exported_at : null,
    shared_at: iso(report.shared_at),
    workflow_id: report.workflow_id,
    created_at: report.created_at.toISOString(),
    updated_at: report.updated_at.toISOString(),
  };
}
