import { randomUUID } from 'node:crypto';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { ScannerName } from '../domain/scanners.ts';
import type { Crawl, CrawlPage, ScanTrigger, Severity } from '../generated/prisma/client.ts';
import type { Config } from '../platform/config.ts';
import type { Db } from '../platform/db.ts';
import { runSearchAttributes, summary } from '../platform/search-attributes.ts';
import { startOnce } from '../platform/temporal.ts';
import type { SiteCrawlWorkflow } from '../workflows/site-crawl.ts';
import { RuleConflict } from './conflicts.ts';
import { kickoff } from './kickoff.ts';
import { forEachQueued, RESUME_BATCH_SIZE } from './scan-kickoff.ts';

export const crawlWorkflowId = (crawlId: string) => `crawl-${crawlId}`;

export { CRAWL_LIMITS } from '../domain/crawl-urls.ts';

export interface NewCrawl {
  /** Chosen by the caller when a retry must find the crawl it wrote (a schedule's firing); else new. */
  id?: string;
  orgId: string;
  projectId: string;
  /** Normalised, and checked against the SSRF rules and the allowlist. */
  url: string;
  trigger: ScanTrigger;
  maxPages: number;
  maxDepth: number;
  include: string[];
  exclude: string[];
  scanners: ScannerName[];
}

type CrawlRef = Pick<Crawl, 'id' | 'org_id' | 'project_id' | 'url' | 'trigger' | 'max_pages'>;

/** Starts the crawl's SiteCrawlWorkflow; starting it twice is harmless (one workflow per crawl id). */
export function startCrawlWorkflow(temporal: Client, taskQueue: string, crawl: CrawlRef): Promise<void> {
  return startOnce(() =>
    temporal.workflow.start<typeof SiteCrawlWorkflow>('SiteCrawlWorkflow', {
      taskQueue,
      workflowId: crawlWorkflowId(crawl.id),
      args: [{ crawlId: crawl.id }],
      typedSearchAttributes: runSearchAttributes({ orgId: crawl.org_id, projectId: crawl.project_id, trigger: crawl.trigger, url: crawl.url }),
      staticSummary: summary(`Crawl (up to ${crawl.max_pages} pages)`, crawl.url),
    }),
  );
}

/**
 * POST crawls/run: the crawl's row, then its workflow; a crawl whose workflow did not start is
 * failed (services/kickoff.ts). A crawl charges no AI unit: its page scans skip the AI stage.
 */
export function kickoffCrawl(prisma: Db, temporal: Client, config: Pick<Config, 'TEMPORAL_TASK_QUEUE'>, crawl: NewCrawl): Promise<Crawl> {
  const id = crawl.id ?? randomUUID();
  return kickoff(prisma, temporal, {
    write: (tx) =>
      tx.crawl.create({
        data: {
          id,
          org_id: crawl.orgId,
          project_id: crawl.projectId,
          url: crawl.url,
          trigger: crawl.trigger,
          max_pages: crawl.maxPages,
          max_depth: crawl.maxDepth,
          include: crawl.include,
          exclude: crawl.exclude,
          scanners: crawl.scanners,
          status: 'queued',
          workflow_id: crawlWorkflowId(id),
        },
      }),
    workflowId: crawlWorkflowId(id),
    start: () => startCrawlWorkflow(temporal, config.TEMPORAL_TASK_QUEUE, { id, org_id: crawl.orgId, project_id: crawl.projectId, url: crawl.url, trigger: crawl.trigger, max_pages: crawl.maxPages }),
    compensate: (tx) =>
      tx.crawl.updateMany({ where: { id, status: 'queued' }, data: { status: 'failed', failure_reason: 'the crawl could not be started', finished_at: new Date() } }),
    notStartedMessage: 'The crawl could not be started; try again shortly',
  });
}

/** Starts the workflows of crawls still `queued` (an API that died between the row and the start). */
export function resumeQueuedCrawls(prisma: Db, temporal: Client, taskQueue: string, batchSize = RESUME_BATCH_SIZE): Promise<number> {
  return forEachQueued(
    (after) =>
      prisma.crawl.findMany({
        where: { status: 'queued', ...(after ? { id: { gt: after } } : {}) },
        orderBy: { id: 'asc' },
        take: batchSize,
        select: { id: true, org_id: true, project_id: true, url: true, trigger: true, max_pages: true },
      }),
    batchSize,
    (crawl) => startCrawlWorkflow(temporal, taskQueue, crawl),
  );
}

export interface Tenant {
  orgId: string;
  projectId: string;
}

export function findCrawl(prisma: Db, tenant: Tenant, crawlId: string): Promise<Crawl | null> {
  return prisma.crawl.findFirst({ where: { id: crawlId, org_id: tenant.orgId, project_id: tenant.projectId } });
}

export interface CrawlCounts {
  discovered: number;
  scanned: number;
  failed: number;
  queued: number;
  scanning: number;
  cancelled: number;
  skipped: { total: number; robots: number; limit: number; off_site: number; non_html: number; excluded: number; redirect: number };
}

export interface CrawlSummary {
  pages_scanned: number;
  health_score: { average: number | null; min: number | null; max: number | null };
  /** Open findings (not resolved or dismissed) last seen by this crawl's scans. */
  findings: Record<Severity, number> & { total: number };
}

/** The crawl's page counts and its site summary, from its rows (the database is the truth, also mid-crawl). */
export async function crawlFacts(prisma: Db, crawlId: string): Promise<{ counts: CrawlCounts; summary: CrawlSummary }> {
  const [byStatus, bySkip, scores, severities] = await Promise.all([
    prisma.crawlPage.groupBy({ by: ['status'], where: { crawl_id: crawlId }, _count: { _all: true } }),
    prisma.crawlPage.groupBy({ by: ['skip_reason'], where: { crawl_id: crawlId, status: 'skipped' }, _count: { _all: true } }),
    prisma.crawlPage.aggregate({ where: { crawl_id: crawlId, status: 'scanned' }, _avg: { health_score: true }, _min: { health_score: true }, _max: { health_score: true } }),
    prisma.$queryRaw<Array<{ severity: Severity; n: bigint }>>`
      SELECT f.severity, count(*) AS n
        FROM findings f JOIN crawl_pages p ON p.scan_run_id = f.last_seen_scan_id
       WHERE p.crawl_id = ${crawlId}::uuid AND f.status NOT IN ('resolved', 'dismissed')
       GROUP BY f.severity`,
  ]);
  const status = (s: CrawlPage['status']) => byStatus.find((row) => row.status === s)?._count._all ?? 0;
  const skip = (r: NonNullable<CrawlPage['skip_reason']>) => bySkip.find((row) => row.skip_reason === r)?._count._all ?? 0;
  const findings = { critical: 0, high: 0, medium: 0, low: 0, total: 0 };
  for (const row of severities) {
    findings[row.severity] = Number(row.n);
    findings.total += Number(row.n);
  }
  const average = scores._avg.health_score;
  return {
    counts: {
      discovered: byStatus.reduce((sum, row) => sum + row._count._all, 0),
      scanned: status('scanned'),
      failed: status('failed'),
      queued: status('queued'),
      scanning: status('scanning'),
      cancelled: status('cancelled'),
      skipped: {
        total: status('skipped'),
        robots: skip('robots'),
        limit: skip('limit'),
        off_site: skip('off_site'),
        non_html: skip('non_html'),
        excluded: skip('excluded'),
        redirect: skip('redirect'),
      },
    },
    summary: {
      pages_scanned: status('scanned'),
      health_score: { average: average === null ? null : Math.round(average * 10) / 10, min: scores._min.health_score, max: scores._max.health_score },
      findings,
    },
  };
}

/**
 * POST crawls/:id/cancel: asks the workflow to cancel (its scans are cancelled, the crawl closes
 * `cancelled`). A crawl already closed is a conflict; a crawl whose workflow is gone, or never
 * started, is closed here.
 */
export async function cancelCrawl(prisma: Db, temporal: Client, crawl: Crawl): Promise<Crawl> {
  if (crawl.status !== 'queued' && crawl.status !== 'running') throw new RuleConflict(`the crawl is ${crawl.status} already`);
  try {
    await temporal.workflow.getHandle(crawl.workflow_id).cancel();
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    await prisma.crawl.updateMany({ where: { id: crawl.id, status: { in: ['queued', 'running'] } }, data: { status: 'cancelled', finished_at: new Date() } });
  }
  return prisma.crawl.findUniqueOrThrow({ where: { id: crawl.id } });
}
