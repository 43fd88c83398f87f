import type { PageArtifact, ProbeArtifact, SecurityArtifacts, SeoArtifacts } from '../checks/artifacts.ts';
import { parseRobotsTxt } from '../checks/seo/helpers.ts';
import type { SafeFetcher } from './safe-fetch.ts';

const PROBE_BODY_CHARS = 100_000;

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

/** The page plus its http:// twin (does plain HTTP send visitors to HTTPS?). */
export async function gatherSecurityArtifacts(fetcher: SafeFetcher, page: PageArtifact): Promise<SecurityArtifacts> {
  const url = new URL(page.finalUrl);
  if (url.protocol !== 'https:') return { page, plainHttp: null };
  url.protocol = 'http:';
  url.port = '';
  return { page, plainHttp: await probe(fetcher, url.href, false) };
}

/** The page plus robots.txt and the sitemap it names (else /sitemap.xml). */
export async function gatherSeoArtifacts(fetcher: SafeFetcher, page: PageArtifact): Promise<SeoArtifacts> {
  const origin = new URL(page.finalUrl).origin;
  const robotsTxt = await probe(fetcher, `${origin}/robots.txt`);
  const declared = parseRobotsTxt(robotsTxt)?.getSitemaps()[0];
  const sitemap = await probe(fetcher, declared ?? `${origin}/sitemap.xml`);
  return { page, robotsTxt, sitemap };
}
