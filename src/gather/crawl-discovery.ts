import { gunzipSync } from 'node:zlib';
import { Parser } from 'htmlparser2';
import robotsParser from 'robots-parser';
import { normaliseUrl } from '../domain/crawl-urls.ts';

/**
 * What a crawl reads to find pages (docs/crawls.md): links in a page's HTML, sitemaps and sitemap
 * indexes, robots.txt. Gathering only: the fetches are the activities' (through the SSRF-safe
 * fetcher), the judging is src/domain/crawl-urls.ts.
 */

/** The crawler's user-agent token: what robots.txt groups are matched against. */
export const CRAWLER_USER_AGENT = 'Sitewarden/0.1 (+crawl)';
export const ROBOTS_AGENT = 'Sitewarden';

/** Distinct links taken from one page; a page with more is read up to here. */
export const MAX_LINKS_PER_PAGE = 1_000;
/** URLs taken from the sitemaps of one crawl (the sitemap protocol's own limit per file). */
export const MAX_SITEMAP_URLS = 50_000;
/** Sitemap files one crawl reads (an index and what it names, nested indexes included). */
export const MAX_SITEMAP_FILES = 50;
/** robots.txt kept per crawl: Google reads 500 KiB of it. */
export const MAX_ROBOTS_BYTES = 500 * 1024;
/** The slowest Crawl-delay obeyed, in seconds; a site asking for more gets this. */
export const MAX_CRAWL_DELAY_SECONDS = 60;

/**
 * The normalised targets of a page's links: `<a href>`, `<area href>`, resolved against the
 * page's `<base href>` when it has one. rel="nofollow" is followed: an audit wants every page a
 * visitor can reach. At most `limit` distinct URLs, in document order.
 */
export function extractLinks(html: string, pageUrl: string, limit = MAX_LINKS_PER_PAGE): string[] {
  const found = new Set<string>();
  let base = pageUrl;
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        if (name === 'base' && attrs.href && found.size === 0) {
          // Raw, not normalised: a trailing slash changes what relative links resolve to.
          base = URL.parse(attrs.href, pageUrl)?.href ?? base;
          return;
        }
        if ((name === 'a' || name === 'area') && attrs.href) {
          const url = normaliseUrl(attrs.href, base);
          if (url) found.add(url);
          if (found.size >= limit) parser.pause();
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.end(html);
  return [...found].slice(0, limit);
}

export interface Sitemap {
  /** `index`: a sitemap index, its `locs` are sitemaps; `urlset`: its `locs` are pages. */
  kind: 'index' | 'urlset' | 'unknown';
  locs: string[];
}

/** The `<loc>` entries of a sitemap or sitemap index (gzipped ones too), at most `limit`. */
export function parseSitemap(body: Buffer, limit = MAX_SITEMAP_URLS): Sitemap {
  let bytes = body;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: 50 * 1024 * 1024 });
    } catch {
      return { kind: 'unknown', locs: [] };
    }
  }
  let kind: Sitemap['kind'] = 'unknown';
  const locs: string[] = [];
  let inLoc = false;
  let text = '';
  const parser = new Parser(
    {
      onopentag(name) {
        const local = name.toLowerCase().replace(/^.*:/, '');
        if (kind === 'unknown' && local === 'sitemapindex') kind = 'index';
        if (kind === 'unknown' && local === 'urlset') kind = 'urlset';
        if (local === 'loc') {
          inLoc = true;
          text = '';
        }
      },
      ontext(data) {
        if (inLoc) text += data;
      },
      onclosetag(name) {
        if (name.toLowerCase().replace(/^.*:/, '') !== 'loc') return;
        inLoc = false;
        if (text.trim()) locs.push(text.trim());
        if (locs.length >= limit) parser.pause();
      },
    },
    { xmlMode: true, decodeEntities: true },
  );
  parser.end(bytes.toString('utf8'));
  return { kind, locs: locs.slice(0, limit) };
}

export interface RobotsRules {
  isAllowed(url: string): boolean;
  /** Seconds, capped at MAX_CRAWL_DELAY_SECONDS; undefined when robots.txt names none. */
  crawlDelay: number | undefined;
  sitemaps: string[];
}

/** robots.txt's rules for this crawler (robots-parser); no robots.txt (`body` null) allows all. */
export function robotsRules(robotsUrl: string, body: string | null): RobotsRules {
  if (body === null) return { isAllowed: () => true, crawlDelay: undefined, sitemaps: [] };
  const robots = robotsParser(robotsUrl, body);
  const delay = robots.getCrawlDelay(ROBOTS_AGENT);
  return {
    // robots-parser answers undefined for another origin's URL: those are off-site, never fetched.
    isAllowed: (url) => robots.isAllowed(url, ROBOTS_AGENT) !== false,
    crawlDelay: delay === undefined || !Number.isFinite(delay) || delay < 0 ? undefined : Math.min(delay, MAX_CRAWL_DELAY_SECONDS),
    sitemaps: robots.getSitemaps(),
  };
}
