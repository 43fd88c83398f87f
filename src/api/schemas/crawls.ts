import { z } from 'zod';
import { SCANNERS } from '../../domain/scanners.ts';
import { CrawlPageStatus, CrawlSkipReason, CrawlStatus, ScanTrigger } from '../../generated/prisma/enums.ts';
import { CRAWL_LIMITS } from '../../services/crawls.ts';
import type { serializeCrawl, serializeCrawlPage } from '../serializers/crawl.ts';
import { cursorPageQuery } from '../validation.ts';

/** Requests and responses of the crawl routes (docs/crawls.md); the OpenAPI document is generated from these. */

const glob = z.string().min(1).max(CRAWL_LIMITS.globLength);

export const runCrawlBody = z
  .strictObject({
    url: z.string().min(1).max(2048).meta({ description: 'The start page; its origin (scheme, host, port) is the site. Must be public (docs/api.md, "URL rules")', example: 'https://example.com/' }),
    max_pages: z.int().min(1).max(CRAWL_LIMITS.maxPages).default(CRAWL_LIMITS.defaultMaxPages).meta({ description: 'Pages scanned (or failed) at most' }),
    max_depth: z.int().min(0).max(CRAWL_LIMITS.maxDepth).default(CRAWL_LIMITS.defaultMaxDepth).meta({ description: 'Links followed from the start page (0: the start page alone; sitemap pages are depth 1)' }),
    include: z.array(glob).max(CRAWL_LIMITS.globs).optional().meta({ description: 'Globs on the URL path (`/blog/**`); given, a page must match one' }),
    exclude: z.array(glob).max(CRAWL_LIMITS.globs).optional().meta({ description: 'Globs on the URL path; a matching page is skipped (`excluded`)' }),
    trigger: z.enum(['manual', 'scheduled', 'post_deploy']).default('manual'),
    scanners: z
      .array(z.enum(SCANNERS))
      .min(1)
      .transform((names) => SCANNERS.filter((s) => names.includes(s)))
      .default([...SCANNERS])
      .meta({ description: 'Scanners run on every page; default all four. Leave out `performance` for a fast crawl (no Lighthouse)' }),
  })
  .meta({ id: 'RunCrawlRequest', example: { url: 'https://example.com/', max_pages: 100, max_depth: 5, exclude: ['/admin/**'], scanners: ['security', 'seo', 'accessibility'] } });

export const crawlPageListQuery = cursorPageQuery;
export const crawlListQuery = cursorPageQuery;

const uuid = z.uuid();
const timestamp = z.iso.datetime().meta({ example: '2026-12-04T09:30:00.000Z' });

const skippedCounts = z.object({
  total: z.int(),
  robots: z.int().meta({ description: 'Disallowed by robots.txt' }),
  limit: z.int().meta({ description: 'Beyond max_pages or max_depth' }),
  off_site: z.int().meta({ description: 'Another origin: never fetched' }),
  non_html: z.int().meta({ description: 'A file (PDF, image, …) or a response that is not HTML' }),
  excluded: z.int().meta({ description: 'Outside include / inside exclude' }),
  redirect: z.int().meta({ description: 'Answered with a redirect; the target counts on its own' }),
});

export const crawlSchema = z
  .object({
    id: uuid,
    org_id: uuid,
    project_id: z.string().max(64),
    url: z.string(),
    trigger: z.enum(ScanTrigger),
    status: z.enum(CrawlStatus),
    max_pages: z.int(),
    max_depth: z.int(),
    include: z.array(z.string()),
    exclude: z.array(z.string()),
    scanners: z.array(z.enum(SCANNERS)),
    counts: z
      .object({
        discovered: z.int().meta({ description: 'Distinct URLs found (normalised), skipped ones included' }),
        scanned: z.int(),
        failed: z.int(),
        queued: z.int(),
        scanning: z.int(),
        cancelled: z.int(),
        skipped: skippedCounts,
      })
      .meta({ description: 'Pages by state; live while the crawl runs' }),
    summary: z
      .object({
        pages_scanned: z.int(),
        health_score: z.object({ average: z.number().nullable(), min: z.int().nullable(), max: z.int().nullable() }),
        findings: z.object({ critical: z.int(), high: z.int(), medium: z.int(), low: z.int(), total: z.int() }).meta({ description: "Open findings last seen by the crawl's scans, by severity" }),
      })
      .meta({ description: 'The site summary' }),
    crawl_delay_seconds: z.number().nullable().meta({ description: "robots.txt's Crawl-delay, obeyed" }),
    failure_reason: z.string().nullable(),
    workflow_id: z.string().meta({ example: 'crawl-0b6f9c1e-2d4a-4f5b-8c7d-9e0f1a2b3c4d' }),
    started_at: timestamp.nullable(),
    finished_at: timestamp.nullable(),
    inserted_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Crawl' });

export const crawlPageSchema = z
  .object({
    id: uuid,
    url: z.string(),
    depth: z.int(),
    status: z.enum(CrawlPageStatus),
    skip_reason: z.enum(CrawlSkipReason).nullable(),
    scan_id: uuid.nullable().meta({ description: 'The page\'s scan run (GET scans/{scan_id})' }),
    health_score: z.int().nullable(),
    error: z.string().nullable(),
    inserted_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'CrawlPage' });

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const keysMatch = <T extends true>(): T | undefined => undefined;
keysMatch<Same<keyof ReturnType<typeof serializeCrawl>, keyof z.infer<typeof crawlSchema>>>();
keysMatch<Same<keyof ReturnType<typeof serializeCrawlPage>, keyof z.infer<typeof crawlPageSchema>>>();
