import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure } from '@temporalio/activity';
import { buildPageArtifact, type PageArtifact } from '../../checks/artifacts.ts';
import { fetchHtmlPage } from '../../gather/html-page.ts';
import { withOriginAuth, type SafeFetcher } from '../../gather/safe-fetch.ts';
import { originAuthForRun } from '../site-auth.ts';
import { HTTP_SCANS_ATTEMPTS, type HttpScannerName, type ScannerSlot } from '../../domain/scanners.ts';
import type { Db } from '../../platform/db.ts';
import type { ScanContext, ScannerResult } from '../findings-store.ts';
import { heartbeating } from '../heartbeat.ts';
import { asActivityFailure } from '../page-capture.ts';
import { loadScanContext } from '../scan-context.ts';
import { securityScan } from './security.ts';
import { seoScan } from './seo.ts';

export interface HttpScansResult {
  /** Every asked-for scanner's slot, settled: `done`, or `failed` with the reason. */
  slots: Partial<Record<HttpScannerName, ScannerSlot>>;
  findingIds: string[];
}

/** What openRun read with the plan (src/activities/scan-runs.ts): the run's tenant and URL, and whether its project has a site-auth. */
export interface KnownRun {
  scan: ScanContext & { url: string };
  siteAuth: boolean;
}

/** A scanner's work on the page; `fetcher` carries the site-auth's credentials for the page's origin. */
export type HttpScan = (scan: ScanContext, page: PageArtifact, fetcher: SafeFetcher) => Promise<ScannerResult>;

/** Runs of each scanner within one attempt (a transient failure, such as a unique-key race between two scans of a project, is run again). */
const SCANNER_RUNS = HTTP_SCANS_ATTEMPTS;
/** The pause before a scanner's next run, times the runs so far. */
const RERUN_AFTER_MS = 500;

/**
 * A scan's HTTP work in one activity (patch scan-one-http-activity, docs/deploy.md): the page is
 * fetched once and kept in memory (no page snapshot row to write and read back), then security
 * and SEO run on it side by side, and each settles its own slot (the row and its progress event)
 * as soon as it ends. In place of capturePage, two scanner activities and two local activities.
 *
 * Retries: a page that cannot be fetched fails the activity (permanent failures are not retried);
 * the workflow fails both slots with the reason. A scanner's transient failure is run again here,
 * up to SCANNER_RUNS runs, so it never re-runs the other scanner; a permanent failure, or the last
 * run's, settles its slot `failed` and the activity still returns. Only a lost attempt (worker
 * gone, timed out) is retried by Temporal, and that attempt runs both again: their findings are
 * upserts and a slot already set is not set (nor streamed) twice, so the retry returns the same
 * slots with every finding id (which a concurrent scan of the project could not take away, as
 * reading "this run's findings" back would).
 */
export function createHttpScans(
  prisma: Db,
  fetcher: SafeFetcher,
  secret: string,
  recordScannerSlot: (scanRunId: string, scanner: HttpScannerName, slot: ScannerSlot) => Promise<void>,
  /** The scanners' work; tests wrap it to make one fail. */
  overrides: Partial<Record<HttpScannerName, HttpScan>> = {},
) {
  const scanners: Record<HttpScannerName, HttpScan> = {
    security: (scan, page, siteFetcher) => securityScan(prisma, siteFetcher, scan, page),
    seo: (scan, page, siteFetcher) => seoScan(prisma, siteFetcher, scan, page),
    ...overrides,
  };

  return {
    /**
     * `known`: the run's tenant and URL, and whether its project has a site-auth, when the caller
     * has just read them (openLightScan, with the plan): two queries fewer. Temporal never passes it.
     */
    async runHttpScanners(scanRunId: string, wanted: HttpScannerName[], known?: KnownRun): Promise<HttpScansResult> {
      const scan = known?.scan ?? (await loadScanContext(prisma, scanRunId));
      const result: HttpScansResult = { slots: {}, findingIds: [] };
      // A site-auth's headers or cookies go with every fetch of the project's origin (only there).
      // A login recipe comes here only for a crawl's page, with its crawl's session (originAuthForRun):
      // other scans sign in first, on the browser queue (scan.ts).
      const auth = known?.siteAuth === false ? undefined : await originAuthForRun(prisma, secret, scanRunId, scan);
      const siteFetcher = withOriginAuth(fetcher, auth);
      await heartbeating(async (signal) => {
        const { page, html } = await asActivityFailure(fetchHtmlPage(siteFetcher, scan.url));
        const artifact = buildPageArtifact({ requestedUrl: scan.url, finalUrl: page.url, status: page.status, headers: page.headers, html, redirects: page.redirects });
        await Promise.all(
          wanted.map(async (name) => {
            let slot: ScannerSlot;
            try {
              const found = await runAgainOnTransientFailure(() => scanners[name](scan, artifact, siteFetcher), signal);
              result.findingIds.push(...found.findingIds);
              slot = { status: 'done' };
            } catch (err) {
              if (signal.aborted) throw err;
              slot = { status: 'failed', error: err instanceof Error ? err.message : String(err) };
            }
            result.slots[name] = slot;
            await recordScannerSlot(scanRunId, name, slot);
          }),
        );
      });
      return result;
    },
  };
}

async function runAgainOnTransientFailure<T>(run: () => Promise<T>, signal: AbortSignal): Promise<T> {
  for (let runs = 1; ; runs++) {
    try {
      return await run();
    } catch (err) {
      const permanent = err instanceof ApplicationFailure && err.nonRetryable;
      if (permanent || runs >= SCANNER_RUNS || signal.aborted) throw err;
      await sleep(RERUN_AFTER_MS * runs, undefined, { signal }).catch(() => undefined);
    }
  }
}
