import type { ScanSchedule } from '../../generated/prisma/client.ts';
import { type ScheduleRunView, type ScheduleTiming, storedCrawlOptions } from '../../services/schedules.ts';
import { serializeRegression } from './finding.ts';
import { iso } from './time.ts';

export function serializeSchedule(row: ScanSchedule) {
  return {
    id: row.id,
    org_id: row.org_id,
    project_id: row.project_id,
    url: row.url,
    cron: row.cron,
    every: row.every,
    every_seconds: row.every_seconds,
    // Every schedule reads its times in UTC (docs/schedules.md).
    timezone: 'UTC' as const,
    overlap: 'skip' as const,
    scanners: row.scanners,
    crawl: storedCrawlOptions(row.crawl),
    paused: row.paused,
    created_at: iso(row.created_at)!,
    updated_at: iso(row.updated_at)!,
  };
}

export function serializeScheduleRun(view: ScheduleRunView) {
  return {
    id: view.run.id,
    kind: view.run.kind,
    scheduled_at: iso(view.run.scheduled_at)!,
    status: view.run.status,
    failure_reason: view.run.failure_reason,
    scan_id: view.run.scan_run_id,
    scan_status: view.scan?.status ?? null,
    crawl_id: view.run.crawl_id,
    crawl_status: view.crawlStatus,
    health_score: view.healthScore,
    regression_count: view.regressionCount,
    regressions: view.regressions.map(serializeRegression),
  };
}

/** GET schedules/:id: the row, paused and next_run_at as Temporal has them, and the latest runs. */
export function serializeScheduleDetail(row: ScanSchedule, timing: ScheduleTiming, runs: ScheduleRunView[]) {
  return {
    ...serializeSchedule(row),
    paused: timing.paused,
    next_run_at: iso(timing.nextRunAt),
    recent_runs: runs.map(serializeScheduleRun),
  };
}
