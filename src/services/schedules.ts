import { randomUUID } from 'node:crypto';
import { type Client, isGrpcServiceError, ScheduleAlreadyRunning, ServiceError, ScheduleNotFoundError, ScheduleOverlapPolicy, type ScheduleOptions, type ScheduleSpec } from '@temporalio/client';
import { z } from 'zod';
import type { ScannerName } from '../domain/scanners.ts';
import { type CronSchedule, type CrawlOptions, crawlOptionsSchema, parseCron } from '../domain/schedule-spec.ts';
import type { CrawlStatus, Regression, ScanRun, ScanSchedule, ScheduleRun } from '../generated/prisma/client.ts';
import type { Config } from '../platform/config.ts';
import type { Db } from '../platform/db.ts';
import { runSearchAttributes, summary } from '../platform/search-attributes.ts';
import type { ScheduledAuditWorkflow } from '../workflows/scheduled-audit.ts';
import { WorkflowNotStarted } from './kickoff.ts';

/**
 * Scheduled scans (docs/schedules.md). Each schedule is a row (whose it is, what it runs) and a
 * Temporal Schedule `schedule-<id>` (when it fires, whether it is paused: the source of truth for
 * timing). Every firing starts a ScheduledAuditWorkflow, which starts the scan through the API's
 * own kickoff (services/schedule-runs.ts) and waits for it to end, so the overlap policy (skip)
 * spans the scan.
 */

export const temporalScheduleId = (id: string) => `schedule-${id}`;
/** Temporal appends the firing's time to it: `scheduled-<id>-2026-12-04T20:00:00Z`. */
export const scheduledWorkflowId = (id: string) => `scheduled-${id}`;

interface Tenant {
  orgId: string;
  projectId: string;
}

export interface NewSchedule {
  /** Already checked against SSRF rules and the allowlist. */
  url: string;
  cron?: CronSchedule;
  every?: { text: string; seconds: number };
  scanners: ScannerName[];
  crawl: CrawlOptions | null;
}

/** Temporal refused the spec (an expression it reads otherwise than we do): the caller answers 422. */
export class ScheduleSpecRefused extends Error {
  override name = 'ScheduleSpecRefused';
  constructor(
    readonly field: 'cron' | 'every',
    readonly reason: string,
  ) {
    super(`${field} ${reason}`);
  }
}

/** How long a call to Temporal may take before the request gives up (the client would retry ~25 s). */
const TEMPORAL_DEADLINE_MS = 10_000;
/** A firing missed while the Temporal cluster was down is made up only within this window. */
export const CATCHUP_WINDOW = '5 minutes';

function withDeadline<T>(temporal: Client, fn: () => Promise<T>): Promise<T> {
  return temporal.connection.withDeadline(Date.now() + TEMPORAL_DEADLINE_MS, fn);
}

function scheduleSpec(row: ScanSchedule): ScheduleSpec {
  if (row.cron) {
    const cron = parseCron(row.cron);
    // Stored only after it parsed; a row edited by hand into nonsense fails loudly.
    if (!cron.ok) throw new Error(`schedule ${row.id}: stored cron ${JSON.stringify(row.cron)} ${cron.reason}`);
    return { cronExpressions: cron.value.temporal, timezone: 'UTC' };
  }
  if (!row.every_seconds) throw new Error(`schedule ${row.id} has neither cron nor every`);
  // Intervals count from the Unix epoch (UTC): "6h" fires at 00:00, 06:00, 12:00 and 18:00 UTC.
  return { intervals: [{ every: row.every_seconds * 1000 }] };
}

/** The Temporal Schedule a row stands for; its firings run ScheduledAuditWorkflow({scheduleId}). */
export function temporalScheduleOptions(row: ScanSchedule, taskQueue: string, paused = row.paused): ScheduleOptions {
  const attributes = runSearchAttributes({ orgId: row.org_id, projectId: row.project_id, trigger: 'scheduled', url: row.url });
  return {
    scheduleId: temporalScheduleId(row.id),
    spec: scheduleSpec(row),
    action: {
      type: 'startWorkflow',
      workflowType: 'ScheduledAuditWorkflow',
      workflowId: scheduledWorkflowId(row.id),
      taskQueue,
      args: [{ scheduleId: row.id }] satisfies Parameters<typeof ScheduledAuditWorkflow>,
      typedSearchAttributes: attributes,
      staticSummary: summary(row.crawl ? 'Scheduled crawl' : 'Scheduled scan', row.url),
    },
    // One run at a time: a firing while the previous scan still runs is skipped, not queued; a
    // firing missed while the cluster was down is made up within the catch-up window only.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: CATCHUP_WINDOW, pauseOnFailure: false },
    state: { paused, note: paused ? 'paused through the API' : 'created through the API' },
    typedSearchAttributes: attributes,
  };
}

/** gRPC's INVALID_ARGUMENT. */
const INVALID_ARGUMENT = 3;

/**
 * Temporal refused the schedule as written: the client turns "Invalid schedule spec" into a
 * TypeError, and any other INVALID_ARGUMENT into a ServiceError around the gRPC error.
 */
function isInvalidArgument(err: unknown): boolean {
  if (err instanceof TypeError) return true;
  return err instanceof ServiceError && isGrpcServiceError(err.cause) && err.cause.code === INVALID_ARGUMENT;
}

async function temporalScheduleExists(temporal: Client, id: string): Promise<boolean> {
  try {
    await withDeadline(temporal, () => temporal.schedule.getHandle(temporalScheduleId(id)).describe());
    return true;
  } catch {
    return false;
  }
}

/**
 * POST schedules: the row, then its Temporal Schedule. A schedule Temporal refuses removes the row
 * (422 for a spec it cannot read, 503 otherwise), unless it exists after all (a create that timed
 * out on the client may have reached the server).
 */
export async function createSchedule(prisma: Db, temporal: Client, config: Pick<Config, 'TEMPORAL_TASK_QUEUE'>, tenant: Tenant, input: NewSchedule): Promise<ScanSchedule> {
  const row = await prisma.scanSchedule.create({
    data: {
      id: randomUUID(),
      org_id: tenant.orgId,
      project_id: tenant.projectId,
      url: input.url,
      cron: input.cron?.expression ?? null,
      every: input.every?.text ?? null,
      every_seconds: input.every?.seconds ?? null,
      scanners: input.scanners,
      crawl: input.crawl ?? undefined,
    },
  });
  try {
    await withDeadline(temporal, () => temporal.schedule.create(temporalScheduleOptions(row, config.TEMPORAL_TASK_QUEUE)));
    return row;
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning || (!isInvalidArgument(err) && (await temporalScheduleExists(temporal, row.id)))) return row;
    await prisma.scanSchedule.delete({ where: { id: row.id } });
    if (isInvalidArgument(err)) throw new ScheduleSpecRefused(input.cron ? 'cron' : 'every', `was refused by Temporal: ${(err as Error).message}`);
    throw new WorkflowNotStarted(temporalScheduleId(row.id), 'The schedule could not be created; try again shortly', err);
  }
}

export function findSchedule(prisma: Db, tenant: Tenant, id: string): Promise<ScanSchedule | null> {
  return prisma.scanSchedule.findFirst({ where: { id, org_id: tenant.orgId, project_id: tenant.projectId } });
}

/** Read from the Temporal Schedule: when it fires next (null while paused) and whether it is paused. */
export interface ScheduleTiming {
  nextRunAt: Date | null;
  paused: boolean;
}

/** The Temporal Schedule's view; a schedule Temporal lost fires never (null next run). */
export async function scheduleTiming(temporal: Client, row: ScanSchedule): Promise<ScheduleTiming> {
  try {
    const description = await withDeadline(temporal, () => temporal.schedule.getHandle(temporalScheduleId(row.id)).describe());
    const paused = description.state.paused;
    return { paused, nextRunAt: paused ? null : (description.info.nextActionTimes[0] ?? null) };
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return { paused: row.paused, nextRunAt: null };
    throw new WorkflowNotStarted(temporalScheduleId(row.id), "The schedule's timing could not be read; try again shortly", err);
  }
}

/**
 * PATCH schedules/:id {paused}: the Temporal Schedule first (it decides what fires), then the row.
 * Resuming a schedule Temporal lost creates it again from the row.
 */
export async function setSchedulePaused(prisma: Db, temporal: Client, config: Pick<Config, 'TEMPORAL_TASK_QUEUE'>, row: ScanSchedule, paused: boolean): Promise<ScanSchedule> {
  const handle = temporal.schedule.getHandle(temporalScheduleId(row.id));
  try {
    await withDeadline(temporal, () => (paused ? handle.pause('paused through the API') : handle.unpause('resumed through the API')));
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw new WorkflowNotStarted(temporalScheduleId(row.id), 'The schedule could not be changed; try again shortly', err);
    // Gone from Temporal: paused, nothing fires anyway; resumed, it is made again.
    if (!paused) await withDeadline(temporal, () => temporal.schedule.create(temporalScheduleOptions(row, config.TEMPORAL_TASK_QUEUE, false)));
  }
  return prisma.scanSchedule.update({ where: { id: row.id }, data: { paused } });
}

/**
 * DELETE schedules/:id: the Temporal Schedule (no firing after this), then the row and its runs'
 * records. The scans it started stay: they are the project's scans. A firing already in flight
 * finds no row and starts nothing.
 */
export async function deleteSchedule(prisma: Db, temporal: Client, row: ScanSchedule): Promise<void> {
  try {
    await withDeadline(temporal, () => temporal.schedule.getHandle(temporalScheduleId(row.id)).delete());
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw new WorkflowNotStarted(temporalScheduleId(row.id), 'The schedule could not be deleted; try again shortly', err);
  }
  await prisma.scanSchedule.deleteMany({ where: { id: row.id } });
}

/** Stored crawl options, parsed at the persistence boundary. */
export function storedCrawlOptions(value: unknown): CrawlOptions | null {
  return value === null || value === undefined ? null : crawlOptionsSchema.parse(value);
}

/** A run's scan summary: only the health score is read here. */
const scanSummary = z.looseObject({ health_score: z.number().nullable().optional() });

/** How many of a run's regressions are listed with it; `regression_count` counts them all. */
export const REGRESSIONS_PER_RUN = 20;
/** How many recent runs GET schedules/:id lists. */
export const RECENT_RUNS = 20;

export interface ScheduleRunView {
  run: ScheduleRun;
  scan: Pick<ScanRun, 'id' | 'status' | 'summary' | 'failure_reason' | 'finished_at'> | null;
  /** A crawl schedule's run: its crawl's status (null for a scan's run, or a crawl not written). */
  crawlStatus: CrawlStatus | null;
  /** The scan's health score, or the crawl's average over its scanned pages (as its summary rounds it). */
  healthScore: number | null;
  regressionCount: number;
  regressions: Regression[];
}

/**
 * A schedule's latest runs, newest first, each with its scan's status and health score and the
 * regressions that scan opened (a finding fixed before and detected again): what changed since
 * the last run is what a schedule is for.
 */
export async function recentScheduleRuns(prisma: Db, scheduleId: string, take = RECENT_RUNS): Promise<ScheduleRunView[]> {
  const runs = await prisma.scheduleRun.findMany({ where: { schedule_id: scheduleId }, orderBy: [{ scheduled_at: 'desc' }, { id: 'desc' }], take });
  const scanIds = runs.flatMap((run) => (run.scan_run_id ? [run.scan_run_id] : []));
  const crawlIds = runs.flatMap((run) => (run.crawl_id ? [run.crawl_id] : []));
  const [scans, crawls, crawlScores, crawlCounts, crawlRegressions, counts, regressions] = await Promise.all([
    prisma.scanRun.findMany({ where: { id: { in: scanIds } }, select: { id: true, status: true, summary: true, failure_reason: true, finished_at: true } }),
    prisma.crawl.findMany({ where: { id: { in: crawlIds } }, select: { id: true, status: true } }),
    prisma.crawlPage.groupBy({ by: ['crawl_id'], where: { crawl_id: { in: crawlIds }, status: 'scanned' }, _avg: { health_score: true } }),
    // A crawl's regressions are those its page scans opened (crawl_pages.scan_run_id).
    crawlIds.length
      ? prisma.$queryRaw<Array<{ crawl_id: string; n: bigint }>>`
          SELECT p.crawl_id::text AS crawl_id, count(*) AS n
            FROM regressions r JOIN crawl_pages p ON p.scan_run_id = r.scan_run_id
           WHERE p.crawl_id = ANY(${crawlIds}::uuid[])
           GROUP BY p.crawl_id`
      : Promise.resolve([]),
    crawlIds.length
      ? prisma.$queryRaw<Array<{ id: string; crawl_id: string }>>`
          SELECT id::text AS id, crawl_id::text AS crawl_id FROM (
            SELECT r.id, p.crawl_id, row_number() OVER (PARTITION BY p.crawl_id ORDER BY r.opened_at DESC, r.id DESC) AS k
              FROM regressions r JOIN crawl_pages p ON p.scan_run_id = r.scan_run_id
             WHERE p.crawl_id = ANY(${crawlIds}::uuid[])) ranked
           WHERE k <= ${REGRESSIONS_PER_RUN}`
      : Promise.resolve([]),
    prisma.regression.groupBy({ by: ['scan_run_id'], where: { scan_run_id: { in: scanIds } }, _count: { _all: true } }),
    // Bounded per run below; the query is bounded by the runs' own count of regressions.
    prisma.regression.findMany({ where: { scan_run_id: { in: scanIds } }, orderBy: [{ opened_at: 'desc' }, { id: 'desc' }], take: REGRESSIONS_PER_RUN * Math.max(scanIds.length, 1) }),
  ]);
  const crawlRegressionRows = crawlRegressions.length
    ? await prisma.regression.findMany({ where: { id: { in: crawlRegressions.map((r) => r.id) } }, orderBy: [{ opened_at: 'desc' }, { id: 'desc' }] })
    : [];
  const crawlOfRegression = new Map(crawlRegressions.map((r) => [r.id, r.crawl_id]));
  const scanById = new Map(scans.map((scan) => [scan.id, scan]));
  const crawlById = new Map(crawls.map((crawl) => [crawl.id, crawl]));
  const scoreByCrawl = new Map(crawlScores.map((row) => [row.crawl_id, row._avg.health_score]));
  const countByCrawl = new Map(crawlCounts.map((row) => [row.crawl_id, Number(row.n)]));
  const countByScan = new Map(counts.map((c) => [c.scan_run_id, c._count._all]));
  return runs.map((run) => {
    if (run.crawl_id) {
      const crawl = crawlById.get(run.crawl_id) ?? null;
      const average = scoreByCrawl.get(run.crawl_id) ?? null;
      return {
        run,
        scan: null,
        crawlStatus: crawl?.status ?? null,
        // Rounded as the crawl's own summary rounds it (services/crawls.ts crawlFacts).
        healthScore: average === null ? null : Math.round(average * 10) / 10,
        regressionCount: countByCrawl.get(run.crawl_id) ?? 0,
        regressions: crawlRegressionRows.filter((r) => crawlOfRegression.get(r.id) === run.crawl_id),
      };
    }
    const scan = run.scan_run_id ? (scanById.get(run.scan_run_id) ?? null) : null;
    const parsed = scan ? scanSummary.safeParse(scan.summary) : null;
    return {
      run,
      scan,
      crawlStatus: null,
      healthScore: parsed?.success ? (parsed.data.health_score ?? null) : null,
      regressionCount: scan ? (countByScan.get(scan.id) ?? 0) : 0,
      regressions: scan ? regressions.filter((r) => r.scan_run_id === scan.id).slice(0, REGRESSIONS_PER_RUN) : [],
    };
  });
}
