import { ApplicationFailure } from '@temporalio/activity';
import { buildPageArtifact, type PageArtifact } from '../checks/artifacts.ts';
import { fetchHtmlPage, PageUnavailable } from '../gather/html-page.ts';
import type { SafeFetcher } from '../gather/safe-fetch.ts';
import type { Db } from '../platform/db.ts';
import { heartbeating } from './heartbeat.ts';

/** Fetches the scanned page once (SSRF-safe) and stores it for the header and HTML scanners. */
export function createPageCaptureActivities(prisma: Db, fetcher: SafeFetcher) {
  return {
    async capturePage(scanRunId: string): Promise<{ snapshotId: string }> {
      const run = await prisma.scanRun.findUniqueOrThrow({ where: { id: scanRunId }, select: { url: true } });
      const { page, html } = await heartbeating(() => asActivityFailure(fetchHtmlPage(fetcher, run.url)));
      const snapshot = await prisma.pageSnapshot.create({
        data: {
          scan_run_id: scanRunId,
          requested_url: run.url,
          final_url: page.url,
          status: page.status,
          headers: page.headers,
          body: html,
          redirects: page.redirects,
        },
        select: { id: true },
      });
      return { snapshotId: snapshot.id };
    },
  };
}

/** A PageUnavailable becomes an ApplicationFailure of its type: permanent ones are not retried. */
export async function asActivityFailure<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (!(err instanceof PageUnavailable)) throw err;
    throw ApplicationFailure.create({ message: err.message, type: err.type, nonRetryable: err.permanent });
  }
}

export async function loadPageArtifact(prisma: Db, snapshotId: string): Promise<PageArtifact> {
  const s = await prisma.pageSnapshot.findUniqueOrThrow({ where: { id: snapshotId } });
  return buildPageArtifact({
    requestedUrl: s.requested_url,
    finalUrl: s.final_url,
    status: s.status,
    headers: s.headers as PageArtifact['headers'],
    html: s.body,
    redirects: s.redirects as PageArtifact['redirects'],
  });
}
