import { ApplicationFailure, Context } from '@temporalio/activity';
import { buildPageArtifact, type PageArtifact } from '../../checks/artifacts.ts';
import { fetchHtmlPage } from '../../gather/html-page.ts';
import type { SafeFetcher } from '../../gather/safe-fetch.ts';
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

/**
 * A scan's HTTP work in one activity (patch scan-one-http-activity, docs/deploy.md): the page is
 * fetched once and kept in memory (no page snapshot row to write and read back), then security
 * and SEO run on it side by side, and each settles its own slot (the row and its progress event)
 * as soon as it ends. In place of capturePage, two scanner activities and two local activities.
 *
 * Retries: a page that cannot be fetched fails the activity (permanent failures are not retried);
 * the workflow fails both slots with the reason. A scanner that fails settles its slot `failed`
 * when its failure is permanent or this is the last attempt; otherwise the activity fails once
 * both have ended, and the next attempt runs only the scanner whose slot is not settled: a slot
 * already `done` keeps its findings (this run's findings of that domain), so a failed scanner
 * never re-runs the other.
 */
export type HttpScan = (scan: ScanContext, page: PageArtifact) => Promise<ScannerResult>;

export function createHttpScans(
  prisma: Db,
  fetcher: SafeFetcher,
  recordScannerSlot: (scanRunId: string, scanner: HttpScannerName, slot: ScannerSlot) => Promise<void>,
  /** The scanners' work; tests wrap it to make one fail. */
  overrides: Partial<Record<HttpScannerName, HttpScan>> = {},
) {
  const scanners: Record<HttpScannerName, HttpScan> = {
    security: (scan, page) => securityScan(prisma, fetcher, scan, page),
    seo: (scan, page) => seoScan(prisma, fetcher, scan, page),
    ...overrides,
  };

  return {
    async runHttpScanners(scanRunId: string, wanted: HttpScannerName[]): Promise<HttpScansResult> {
      const { attempt } = Context.current().info;
      const scan = await loadScanContext(prisma, scanRunId);
      // Only a retry can find slots it settled itself: the first attempt saves the read.
      const stored = attempt > 1 ? await prisma.scanRun.findUniqueOrThrow({ where: { id: scanRunId }, select: { scanner_status: true } }) : null;
      const settledBefore = (stored?.scanner_status ?? {}) as Partial<Record<string, ScannerSlot>>;
      const result: HttpScansResult = { slots: {}, findingIds: [] };
      // An earlier attempt settled these: their slot and findings stand.
      const pending: HttpScannerName[] = [];
      for (const name of wanted) {
        const slot = settledBefore[name];
        if (slot?.status === 'done' || slot?.status === 'failed') {
          result.slots[name] = slot;
          if (slot.status === 'done') {
            const found = await prisma.finding.findMany({ where: { org_id: scan.orgId, project_id: scan.projectId, domain: name, last_seen_scan_id: scanRunId }, select: { id: true } });
            result.findingIds.push(...found.map((f) => f.id));
          }
        } else {
          pending.push(name);
        }
      }
      if (pending.length === 0) return result;

      let retryable: unknown;
      await heartbeating(async () => {
        const { page, html } = await asActivityFailure(fetchHtmlPage(fetcher, scan.url));
        const artifact = buildPageArtifact({ requestedUrl: scan.url, finalUrl: page.url, status: page.status, headers: page.headers, html, redirects: page.redirects });
        await Promise.all(
          pending.map(async (name) => {
            let slot: ScannerSlot;
            try {
              const found = await scanners[name](scan, artifact);
              result.findingIds.push(...found.findingIds);
              slot = { status: 'done' };
            } catch (err) {
              const permanent = err instanceof ApplicationFailure && err.nonRetryable;
              if (!permanent && attempt < HTTP_SCANS_ATTEMPTS) {
                retryable ??= err;
                return;
              }
              slot = { status: 'failed', error: err instanceof Error ? err.message : String(err) };
            }
            result.slots[name] = slot;
            await recordScannerSlot(scanRunId, name, slot);
          }),
        );
      });
      // The other scanner has settled its slot; this attempt fails so Temporal runs the unsettled one again.
      if (retryable !== undefined) throw retryable;
      return result;
    },
  };
}
