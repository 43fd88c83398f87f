import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { ScannerName } from '../domain/scanners.ts';
import type { CrawlOptions } from '../domain/schedule-spec.ts';
import { checkTargetUrl } from '../gather/ssrf/url-guard.ts';
import type { ScanSchedule, ScheduleRun } from '../generated/prisma/client.ts';
import type { Config } from '../platform/config.ts';
import type { Db } from '../platform/db.ts';
import { AiQuotaExceeded } from './ai-quota.ts';
import { WorkflowNotStarted } from './kickoff.ts';
import { kickoffScan, startScanWorkflow } from './scan-kickoff.ts';
import { storedCrawlOptions } from './schedules.ts';

/**
 * One firing of a schedule (docs/schedules.md), run by ScheduledAuditWorkflow's activity: a
 * schedule_runs row per firing (its workflow id), then the scan through the API's own kickoff
 * (services/scan-kickoff.ts: row → workflow → compensate, the AI unit charged like any scan's).
 * A start that cannot happen (the URL now refused, the AI quota spent, Temporal refusing the scan)
 * is recorded failed with its reason and ends the firing; the schedule fires again next time.
 * Retried (the activity's worker died), it finds its row and its scan, and starts nothing twice.
 */

export interface Firing {
  scheduleId: string;
  /** The firing's workflow id: `scheduled-<schedule id>-<time>`, unique per firing. */
  firingId: string;
  /** When the schedule fired (ISO). */
  scheduledAt: string;
}

export type FiringOutcome =
  | { status: 'started'; runId: string; scanRunId: string }
  | { status: 'failed'; runId: string; reason: string }
  | { status: 'skipped'; reason: string };

type FiringConfig = Pick<Config, 'TEMPORAL_TASK_QUEUE' | 'AI_QUOTA_UNITS' | 'AI_QUOTA_PERIOD' | 'allowlist'>;

/** The reason a kickoff failed with, told in the run's record. */
const SCAN_NOT_STARTED = 'the scan could not be started';

export async function startScheduledRun(prisma: Db, temporal: Client, config: FiringConfig, firing: Firing): Promise<FiringOutcome> {
  const schedule = await prisma.scanSchedule.findUnique({ where: { id: firing.scheduleId } });
  // Deleted between the firing and now: its Temporal Schedule is gone too, nothing to record.
  if (!schedule) return { status: 'skipped', reason: 'the schedule was deleted' };
  const crawl = storedCrawlOptions(schedule.crawl);
  const run = await firingRun(prisma, schedule, firing, crawl ? 'crawl' : 'scan');
  if (run.status === 'failed') return { status: 'failed', runId: run.id, reason: run.failure_reason ?? 'failed' };
  if (run.status === 'started') return { status: 'started', runId: run.id, scanRunId: run.scan_run_id! };
  if (crawl) return startScheduledCrawl(prisma, run, schedule, crawl);
  return startScheduledScan(prisma, temporal, config, run, schedule);
}

/** The firing's row, written once: a retried attempt reads the one the first wrote. */
async function firingRun(prisma: Db, schedule: ScanSchedule, firing: Firing, kind: 'scan' | 'crawl'): Promise<ScheduleRun> {
  await prisma.scheduleRun.createMany({
    data: {
      id: randomUUID(),
      schedule_id: schedule.id,
      org_id: schedule.org_id,
      project_id: schedule.project_id,
      firing_id: firing.firingId,
      kind,
      // Chosen before the kickoff, so a retry finds the scan the first attempt wrote.
      scan_run_id: kind === 'scan' ? randomUUID() : null,
      scheduled_at: new Date(firing.scheduledAt),
    },
    skipDuplicates: true,
  });
  return prisma.scheduleRun.findUniqueOrThrow({ where: { firing_id: firing.firingId } });
}

async function startScheduledScan(prisma: Db, temporal: Client, config: FiringConfig, run: ScheduleRun, schedule: ScanSchedule): Promise<FiringOutcome> {
  const scanRunId = run.scan_run_id!;
  const existing = await prisma.scanRun.findUnique({ where: { id: scanRunId }, select: { id: true, org_id: true, project_id: true, url: true, trigger: true, scanners: true, status: true, failure_reason: true } });
  if (existing) {
    // An earlier attempt got as far as the scan's row. Compensated: the start failed. Still queued:
    // its workflow may not have started (the attempt died in between); starting it again is harmless.
    if (existing.status === 'failed' && existing.failure_reason === SCAN_NOT_STARTED) return failRun(prisma, run, SCAN_NOT_STARTED);
    if (existing.status === 'queued') await startScanWorkflow(temporal, config.TEMPORAL_TASK_QUEUE, existing);
    return markStarted(prisma, run);
  }
  // Checked at creation; checked again, as the allowlist may have changed since.
  const target = checkTargetUrl(schedule.url, config.allowlist);
  if (!target.ok) return failRun(prisma, run, `the URL is refused: ${target.reason}`);
  try {
    await kickoffScan(prisma, temporal, config, {
      id: scanRunId,
      orgId: schedule.org_id,
      projectId: schedule.project_id,
      url: target.url.href,
      trigger: 'scheduled',
      scanners: schedule.scanners as ScannerName[],
    });
  } catch (err) {
    if (err instanceof AiQuotaExceeded) return failRun(prisma, run, err.message);
    if (err instanceof WorkflowNotStarted) return failRun(prisma, run, SCAN_NOT_STARTED);
    throw err; // the database, say: the activity is retried and finds its row
  }
  return markStarted(prisma, run);
}

/**
 * The one place a scheduled crawl starts. Crawls (issue 15, SiteCrawlWorkflow) are being built
 * apart from schedules: until they are wired in here, a crawl schedule's firing is recorded failed.
 */
export async function startScheduledCrawl(prisma: Db, run: ScheduleRun, _schedule: ScanSchedule, _options: CrawlOptions): Promise<FiringOutcome> {
  return failRun(prisma, run, 'crawls not available');
}

async function markStarted(prisma: Db, run: ScheduleRun): Promise<FiringOutcome> {
  await prisma.scheduleRun.updateMany({ where: { id: run.id, status: 'starting' }, data: { status: 'started' } });
  return { status: 'started', runId: run.id, scanRunId: run.scan_run_id! };
}

async function failRun(prisma: Db, run: Pick<ScheduleRun, 'id'>, reason: string): Promise<FiringOutcome> {
  await prisma.scheduleRun.updateMany({ where: { id: run.id, status: 'starting' }, data: { status: 'failed', failure_reason: reason.slice(0, 1_000) } });
  return { status: 'failed', runId: run.id, reason };
}

/**
 * The firing workflow's failure path: its start ran out of attempts (the database stayed down).
 * The run, if its row was written, is failed with the reason; a run already settled is left alone.
 */
export async function failFiring(prisma: Db, firingId: string, reason: string): Promise<void> {
  await prisma.scheduleRun.updateMany({ where: { firing_id: firingId, status: 'starting' }, data: { status: 'failed', failure_reason: reason.slice(0, 1_000) } });
}

/** Whether the firing's scan has ended: the firing workflow waits for it, so the overlap policy spans it. */
export async function scheduledScanEnded(prisma: Db, scanRunId: string): Promise<boolean> {
  const scan = await prisma.scanRun.findUnique({ where: { id: scanRunId }, select: { status: true } });
  return !scan || scan.status === 'completed' || scan.status === 'failed';
}
