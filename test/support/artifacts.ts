import { buildPageArtifact, type HeaderMap, type PageArtifact, type ProbeArtifact } from '../../src/checks/artifacts.ts';

/** A gathered page for check tests: only what a test cares about needs saying. */
export function page(options: { url?: string; finalUrl?: string; status?: number; headers?: HeaderMap; html?: string; redirects?: PageArtifact['redirects'] } = {}): PageArtifact {
  const url = options.url ?? 'https://example.com/';
  return buildPageArtifact({
    requestedUrl: url,
    finalUrl: options.finalUrl ?? url,
    status: options.status ?? 200,
    headers: { 'content-type': 'text/html; charset=utf-8', ...options.headers },
    html: options.html ?? '<!doctype html><html lang="en"><head><title>Example</title></head><body><h1>Example</h1></body></html>',
    redirects: options.redirects ?? [],
  });
}

export function probe(url: string, status: number | null, body = '', headers: HeaderMap = {}, location?: string): ProbeArtifact {
  return { url, status, headers, body, ...(location ? { location } : {}) };
}
