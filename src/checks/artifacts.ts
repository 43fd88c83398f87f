import { load, type CheerioAPI } from 'cheerio';

/** What the gatherers hand the checks. Plain data: checks never do I/O. */

export type HeaderMap = Record<string, string | string[]>;

/** The scanned page as fetched once through the SSRF-safe fetcher, parsed once. */
export interface PageArtifact {
  /** The URL the scan was asked for. */
  requestedUrl: string;
  /** Where the redirects ended. */
  finalUrl: string;
  status: number;
  /** Lower-cased names; `set-cookie` is always an array. */
  headers: HeaderMap;
  html: string;
  /** cheerio over `html`. */
  dom: CheerioAPI;
  redirects: { url: string; status: number; location: string }[];
}

/** A small probe of another URL of the same site (robots.txt, sitemap, the http:// twin). */
export interface ProbeArtifact {
  url: string;
  /** null when the request failed (refused, timeout, network). */
  status: number | null;
  headers: HeaderMap;
  /** Text body, truncated (robots.txt, sitemaps). */
  body: string;
  /** Location header of a redirect answer. */
  location?: string;
  error?: string;
}

export interface SecurityArtifacts {
  page: PageArtifact;
  /** The http:// twin of an https:// URL, fetched without following redirects; null when not probed. */
  plainHttp: ProbeArtifact | null;
}

export interface SeoArtifacts {
  page: PageArtifact;
  robotsTxt: ProbeArtifact;
  /** The sitemap named in robots.txt, else /sitemap.xml. */
  sitemap: ProbeArtifact;
}

export function buildPageArtifact(page: Omit<PageArtifact, 'dom'>): PageArtifact {
  return { ...page, dom: load(page.html) };
}

/** A header's value(s) as one list; absent → []. */
export function headerValues(headers: HeaderMap, name: string): string[] {
  const value = headers[name.toLowerCase()];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
