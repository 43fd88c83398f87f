import { ApplicationFailure } from '@temporalio/activity';
import { buildPageArtifact, type PageArtifact, type ProbeArtifact } from '../checks/artifacts.ts';
import { SafeFetchError, type FetchedPage, type SafeFetcher } from '../gather/safe-fetch.ts';
import type { Db } from '../platform/db.ts';
import { heartbeating } from './heartbeat.ts';

/** Failure types a retry cannot fix; the workflow's retry policies list them as non-retryable. */
export const PERMANENT_FAILURES = ['TargetRefused', 'TargetClientError', 'NotHtml'] as const;

const HTML_TYPES = /^(text\/html|application\/xhtml\+xml)\b/i;
const PROBE_BODY_CHARS = 100_000;

/** Fetches the scanned page once (SSRF-safe) and stores it for the header and HTML scanners. */
export function createPageCaptureActivities(prisma: Db, fetcher: SafeFetcher) {
  return {
    async capturePage(scanRunId: string): Promise<{ snapshotId: string }> {
      const run = await prisma.scanRun.findUniqueOrThrow({ where: { id: scanRunId }, select: { url: true } });
      const page = await heartbeating(() => fetchOrExplain(fetcher, run.url));
      if (page.status >= 400 && page.status < 500) {
        throw ApplicationFailure.nonRetryable(`the page answered HTTP ${page.status}`, 'TargetClientError');
      }
      if (page.status >= 500) throw ApplicationFailure.retryable(`the page answered HTTP ${page.status}`, 'TargetServerError');
      const contentType = String(page.headers['content-type'] ?? '');
      if (!HTML_TYPES.test(contentType)) {
        throw ApplicationFailure.nonRetryable(`the page is not HTML (content-type: ${contentType || 'none'})`, 'NotHtml');
      }
      const snapshot = await prisma.pageSnapshot.create({
        data: {
          scan_run_id: scanRunId,
          requested_url: run.url,
          final_url: page.url,
          status: page.status,
          headers: page.headers,
          body: decodeBody(page.body, contentType),
          redirects: page.redirects,
        },
        select: { id: true },
      });
      return { snapshotId: snapshot.id };
    },
  };
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

/** A small look at another URL of the site; failures are data (a missing robots.txt is a finding). */
export async function probe(fetcher: SafeFetcher, url: string, followRedirects = true): Promise<ProbeArtifact> {
  try {
    const res = await fetcher.fetchPage(url, { followRedirects });
    const location = res.headers.location;
    return {
      url,
      status: res.status,
      headers: res.headers,
      body: res.body.toString('utf8').slice(0, PROBE_BODY_CHARS),
      ...(typeof location === 'string' ? { location } : {}),
    };
  } catch (err) {
    return { url, status: null, headers: {}, body: '', error: (err as Error).message };
  }
}

async function fetchOrExplain(fetcher: SafeFetcher, url: string): Promise<FetchedPage> {
  try {
    return await fetcher.fetchPage(url);
  } catch (err) {
    if (err instanceof SafeFetchError && err.permanent) {
      throw ApplicationFailure.nonRetryable(`the page could not be fetched: ${err.message}`, 'TargetRefused');
    }
    throw ApplicationFailure.retryable(`the page could not be fetched: ${(err as Error).message}`, 'TargetUnavailable');
  }
}

function decodeBody(body: Buffer, contentType: string): string {
  const charset = /charset=["']?([\w-]+)/i.exec(contentType)?.[1] ?? 'utf-8';
  try {
    return new TextDecoder(charset).decode(body);
  } catch {
    return new TextDecoder('utf-8').decode(body);
  }
}

