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
import { normaliseUrl } from '../domain/crawl-urls.ts';
import { CRAWL_LIMITS, kickoffCrawl, startCrawlWorkflow } from './crawls.ts';
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
  /** A scan schedule's firing carries its scan's id; a crawl schedule's its crawl's (crawlId). */
  | { status: 'started'; runId: string; scanRunId: string; crawlId?: undefined }
  | { status: 'started'; runId: string; crawlId: string; scanRunId?: undefined }
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
  if (run.status === 'started') return startedOutcome(run);
  if (crawl) return startScheduledCrawl(prisma, temporal, config, run, schedule, crawl);
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
      crawl_id: kind === 'crawl' ? randomUUID() : null,
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

/** The reason a crawl's kickoff failed with (services/crawls.ts compensates with it too). */
const CRAWL_NOT_STARTED = 'the crawl could not be started';

/**
 * A crawl schedule's firing: a crawl (trigger `scheduled`) through the API's own kickoff, its id
 * the one the run's row chose, so a retried attempt finds it and starts nothing twice. A crawl
 * charges no AI unit (its page scans skip the AI stage), so no quota is checked.
 */
export async function startScheduledCrawl(prisma: Db, temporal: Client, config: FiringConfig, run: ScheduleRun, schedule: ScanSchedule, options: CrawlOptions): Promise<FiringOutcome> {
  const crawlId = run.crawl_id!;
  const existing = await prisma.crawl.findUnique({ where: { id: crawlId }, select: { id: true, org_id: true, project_id: true, url: true, trigger: true, max_pages: true, status: true, failure_reason: true } });
  if (existing) {
    // As for a scan: compensated means the start failed; still queued, its workflow may not have started.
    if (existing.status === 'failed' && existing.failure_reason === CRAWL_NOT_STARTED) return failRun(prisma, run, CRAWL_NOT_STARTED);
    if (existing.status === 'queued') await startCrawlWorkflow(temporal, config.TEMPORAL_TASK_QUEUE, existing);
    return markStarted(prisma, run);
  }
  // Checked at creation; checked again, as the allowlist may have changed since.
  const target = checkTargetUrl(schedule.url, config.allowlist);
  if (!target.ok) return failRun(prisma, run, `the URL is refused: ${target.reason}`);
  // The crawl's own form of its start URL, as POST crawls/run writes it (pages are recorded normalised).
  const url = normaliseUrl(target.url.href);
  if (!url) return failRun(prisma, run, 'the URL is refused: must be an http(s) URL');
  try {
    await kickoffCrawl(prisma, temporal, config, {
      id: crawlId,
      orgId: schedule.org_id,
      projectId: schedule.project_id,
      url,
      trigger: 'scheduled',
      maxPages: Math.min(options.max_pages, CRAWL_LIMITS.maxPages),
      // The schedule's options were refused past these bounds at creation; held here all the same.
      maxDepth: Math.min(options.max_depth, CRAWL_LIMITS.maxDepth),
      include: options.include ?? [],
      exclude: options.exclude ?? [],
      scanners: schedule.scanners as ScannerName[],
    });
  } catch (err) {
    if (err instanceof WorkflowNotStarted) return failRun(prisma, run, CRAWL_NOT_STARTED);
    throw err; // the database, say: the activity is retried and finds its row
  }
  return markStarted(prisma, run);
}

function startedOutcome(run: ScheduleRun): FiringOutcome {
  return run.crawl_id ? { status: 'started', runId: run.id, crawlId: run.crawl_id } : { status: 'started', runId: run.id, scanRunId: run.scan_run_id! };
}

async function markStarted(prisma: Db, run: ScheduleRun): Promise<FiringOutcome> {
  await prisma.scheduleRun.updateMany({ where: { id: run.id, status: 'starting' }, data: { status: 'started' } });
  return startedOutcome(run);
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

/**
 * Whether the firing's scan, or crawl, has ended: the firing workflow waits for it, so the overlap
 * policy spans it. One id for both (the activity's name is in recorded histories): a scan's id is
 * looked up first, then a crawl's (ids are UUIDs: one never names both).
 */
export async function scheduledScanEnded(prisma: Db, id: string): Promise<boolean> {
  const scan = await prisma.scanRun.findUnique({ where: { id }, select: { status: true } });
  if (scan) return scan.status === 'completed' || scan.status === 'failed';
  const crawl = await prisma.crawl.findUnique({ where: { id }, select: { status: true } });
  return !crawl || crawl.status === 'completed' || crawl.status === 'failed' || crawl.status === 'cancelled';
}
