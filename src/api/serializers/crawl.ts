import type { ScannerName } from '../../domain/scanners.ts';
import type { Crawl, CrawlPage } from '../../generated/prisma/client.ts';
import type { CrawlCounts, CrawlSummary } from '../../services/crawls.ts';
import { iso } from './time.ts';

export function serializeCrawl(crawl: Crawl, facts: { counts: CrawlCounts; summary: CrawlSummary }) {
  return {
    id: crawl.id,
    org_id: crawl.org_id,
    project_id: crawl.project_id,
    url: crawl.url,
    trigger: crawl.trigger,
    status: crawl.status,
    max_pages: crawl.max_pages,
    max_depth: crawl.max_depth,
    include: crawl.include,
    exclude: crawl.exclude,
    scanners: crawl.scanners as ScannerName[],
    counts: facts.counts,
    summary: facts.summary,
    crawl_delay_seconds: crawl.crawl_delay,
    failure_reason: crawl.failure_reason,
    workflow_id: crawl.workflow_id,
    started_at: iso(crawl.started_at),
    finished_at: iso(crawl.finished_at),
    inserted_at: iso(crawl.inserted_at)!,
    updated_at: iso(crawl.updated_at)!,
  };
}

export function serializeCrawlPage(page: CrawlPage) {
  return {
    id: page.id,
    url: page.url,
    depth: page.depth,
    status: page.status,
    skip_reason: page.skip_reason,
    scan_id: page.scan_run_id,
    health_score: page.health_score,
    error: page.error,
    inserted_at: iso(page.inserted_at)!,
    updated_at: iso(page.updated_at)!,
  };
}
