import { posix } from 'node:path';

/**
 * The bounds of a crawl's options (docs/crawls.md), whether sent to POST crawls/run or kept by a
 * schedule that starts crawls: one table, so a schedule cannot hold what a crawl refuses.
 */
export const CRAWL_LIMITS = { maxPages: 10_000, defaultMaxPages: 100, maxDepth: 20, defaultMaxDepth: 5, globs: 20, globLength: 200 } as const;

/**
 * How a crawl names, deduplicates and judges the URLs it finds (docs/crawls.md). Pure: the
 * activities call it, the tests pin it. A page's normalised URL is its identity in the crawl
 * (crawl_pages' unique (crawl_id, url)), so two forms of one page are fetched and scanned once.
 */

/** Query parameters that only track a visit: dropped, so they never make a page look new. */
const TRACKING_PARAMS = /^(utm_[a-z_]+|fbclid|gclid|dclid|msclkid|mc_eid|mc_cid)$/i;

/** Files a crawl never fetches: what their name says is not an HTML page (skipped `non_html`). */
const NON_HTML_EXTENSIONS = new Set([
  'pdf', 'png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'avif', 'ico', 'bmp', 'tif', 'tiff',
  'css', 'js', 'mjs', 'json', 'xml', 'rss', 'atom', 'txt', 'csv', 'zip', 'gz', 'tgz', 'bz2', 'xz', '7z', 'rar', 'tar',
  'mp3', 'mp4', 'm4a', 'm4v', 'mov', 'avi', 'webm', 'ogg', 'wav', 'flac',
  'woff', 'woff2', 'ttf', 'otf', 'eot',
  'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'odt', 'ods', 'odp', 'rtf', 'epub',
  'exe', 'dmg', 'msi', 'apk', 'iso', 'bin', 'wasm',
]);

/** Longer URLs are not recorded (the scans' own limit is 2 048 characters). */
export const MAX_URL_LENGTH = 2_048;

/**
 * The one form of a URL the crawl keeps, or null for what it never follows (not http(s), too
 * long, unparsable):
 * - resolved against `base`; scheme and host lower-cased, a trailing dot of the host dropped, the
 *   default port (80/443) dropped, `.`/`..` segments resolved (all by WHATWG URL);
 * - no fragment, no user or password;
 * - the path's trailing slash dropped (`/about/` = `/about`), except the root `/`; repeated
 *   slashes collapsed (`//a///b` = `/a/b`);
 * - tracking parameters (utm_*, fbclid, gclid, …) dropped, the rest sorted by name (stable, so
 *   repeated names keep their order), and an empty query (`?`) dropped.
 * Case in the path and the query is kept: servers may tell `/A` from `/a`.
 */
export function normaliseUrl(href: string, base?: string): string | null {
  const trimmed = href.trim();
  if (!trimmed || trimmed.length > MAX_URL_LENGTH) return null;
  const url = URL.parse(trimmed, base);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) return null;
  url.hash = '';
  url.username = '';
  url.password = '';
  if (url.hostname.endsWith('.')) url.hostname = url.hostname.slice(0, -1);
  let path = url.pathname.replace(/\/{2,}/g, '/');
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  url.pathname = path;
  const params = [...url.searchParams].filter(([name]) => !TRACKING_PARAMS.test(name));
  params.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  url.search = params.length ? new URLSearchParams(params).toString() : '';
  const out = url.href;
  return out.length > MAX_URL_LENGTH ? null : out;
}

/** The site is the start URL's origin: scheme, host and port. Another subdomain, scheme or port is off-site. */
export function isSameSite(url: string, siteOrigin: string): boolean {
  return URL.parse(url)?.origin === siteOrigin;
}

/** Whether the URL's last path segment names a file type that is not HTML. */
export function looksNonHtml(url: string): boolean {
  const path = URL.parse(url)?.pathname ?? '';
  const last = path.slice(path.lastIndexOf('/') + 1);
  const dot = last.lastIndexOf('.');
  return dot > 0 && NON_HTML_EXTENSIONS.has(last.slice(dot + 1).toLowerCase());
}

/**
 * The body's include/exclude globs, matched against the URL's path (`/blog/**`, `*.html`): a
 * URL must match an include (when any is given) and no exclude. `**` crosses `/`, `*` does not.
 */
export function passesFilters(url: string, include: readonly string[], exclude: readonly string[]): boolean {
  const path = URL.parse(url)?.pathname ?? '/';
  if (include.length && !include.some((glob) => posix.matchesGlob(path, glob))) return false;
  return !exclude.some((glob) => posix.matchesGlob(path, glob));
}

export type CrawlSkip = 'off_site' | 'excluded' | 'robots' | 'non_html' | 'limit';

export interface CrawlScope {
  siteOrigin: string;
  maxDepth: number;
  include: readonly string[];
  exclude: readonly string[];
  /** robots.txt's verdict for the crawler's user agent. */
  robotsAllows: (url: string) => boolean;
}

/**
 * Why a found URL is not crawled, or null when it is queued. In this order: off-site first (an
 * off-site URL is never fetched, not even its robots.txt), then the body's filters, robots.txt,
 * a file type that is not HTML, and the depth limit.
 */
export function skipReason(url: string, depth: number, scope: CrawlScope): CrawlSkip | null {
  if (!isSameSite(url, scope.siteOrigin)) return 'off_site';
  if (!passesFilters(url, scope.include, scope.exclude)) return 'excluded';
  if (!scope.robotsAllows(url)) return 'robots';
  if (looksNonHtml(url)) return 'non_html';
  if (depth > scope.maxDepth) return 'limit';
  return null;
}
