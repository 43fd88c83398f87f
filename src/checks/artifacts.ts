import { load, type CheerioAPI } from 'cheerio';
import type { AnyNode, Element } from 'domhandler';

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
  /** The elements of `dom` by tag name, from one walk at parse: checks select from these (selectElements). */
  elements: ElementIndex;
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

export function buildPageArtifact(page: Omit<PageArtifact, 'dom' | 'elements'>): PageArtifact {
  const dom = load(page.html);
  return { ...page, dom, elements: indexElements(dom.root()[0]!) };
}

/**
 * Every element of a tree in document order, and where each tag's elements are in that order.
 * Why: `dom(selector)` walks the whole tree, and its walk (domutils' findAll) shifts a stack as
 * deep as the tree for every node: on a 5 MiB page of a million nodes nested 512 deep one
 * selection took 0.2–0.5 s, and the checks make about sixty (16 s in all, test/support/hostile.ts).
 * Each selection the checks make names its tags, so it need only visit those tags' elements.
 */
export interface ElementIndex {
  /** Elements (cheerio's: tags, scripts, styles) in document order, template contents included, as `dom(selector)` visits them. */
  all: readonly Element[];
  /** Per tag name, the positions in `all` of its elements, ascending. */
  byTag: ReadonlyMap<string, readonly number[]>;
}

export function indexElements(root: AnyNode): ElementIndex {
  const all: Element[] = [];
  const byTag = new Map<string, number[]>();
  // Pre-order, iteratively (recursion would overflow on deep trees), children pushed in reverse.
  const stack: AnyNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.type === 'tag' || node.type === 'script' || node.type === 'style') {
      const element = node as Element;
      let positions = byTag.get(element.name);
      if (!positions) byTag.set(element.name, (positions = []));
      positions.push(all.length);
      all.push(element);
    }
    if ('children' in node) for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
  return { all, byTag };
}

/**
 * The elements matching `selector`, in document order, as `page.dom(selector)` finds them, for a
 * selector whose every match is an element of one of `tags` (its subject's tag names): only
 * those elements are tested, each against the whole selector (ancestors included).
 */
export function selectElements(page: PageArtifact, tags: readonly string[], selector: string): Element[] {
  const positions = tags.length === 1 ? (page.elements.byTag.get(tags[0]!) ?? []) : tags.flatMap((tag) => page.elements.byTag.get(tag) ?? []).sort((a, b) => a - b);
  if (positions.length === 0) return [];
  return page.dom(positions.map((position) => page.elements.all[position]!)).filter(selector).toArray() as Element[];
}

/** A header's value(s) as one list; absent → []. */
export function headerValues(headers: HeaderMap, name: string): string[] {
  const value = headers[name.toLowerCase()];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** axe-core's WCAG 2.0/2.1 A and AA violations on the rendered page. */
export interface AccessibilityArtifacts {
  /** The URL the page ended on. */
  url: string;
  violations: AxeViolation[];
  axeVersion: string;
}

export interface AxeViolation {
  /** axe rule id, e.g. "image-alt". */
  id: string;
  impact: 'minor' | 'moderate' | 'serious' | 'critical' | null;
  /** One line naming the rule, the same on every page. */
  help: string;
  description: string;
  helpUrl: string;
  tags: string[];
  /** The first 25 offending elements; `html` is truncated to 300 characters. */
  nodes: { target: string[]; html: string; failureSummary: string }[];
  /** All offending elements, including those beyond `nodes`. */
  nodeCount: number;
}

/** One mobile Lighthouse run (local, or Google's through PageSpeed Insights), reduced to what checks read. */
export interface PerformanceArtifacts {
  /** The URL the page ended on. */
  url: string;
  source: 'lighthouse' | 'pagespeed';
  /** Lab values; null when Lighthouse could not measure one. */
  metrics: {
    lcpMs: number | null;
    fcpMs: number | null;
    cls: number | null;
    tbtMs: number | null;
    speedIndexMs: number | null;
    ttfbMs: number | null;
    /** Time to Interactive: no longer scored by Lighthouse, but with FCP it picks the median run. */
    ttiMs?: number | null;
  };
  /** With more than one Lighthouse run (a project's `lighthouse_runs`): which run was kept, and each metric's spread. */
  lab?: LabRuns;
  /** 75th percentiles of real Chrome users (CrUX) from PageSpeed Insights, when Google has them. */
  field?: {
    /** Whether the data is for this page or, lacking that, the whole origin. */
    scope: 'page' | 'origin';
    lcpMs?: number;
    inpMs?: number;
    cls?: number;
    fcpMs?: number;
    ttfbMs?: number;
  };
  /** Performance audits scoring below 0.9, metrics excluded. */
  opportunities: LighthouseOpportunity[];
  lighthouseVersion: string;
}

export type LabMetric = 'lcpMs' | 'fcpMs' | 'cls' | 'tbtMs' | 'speedIndexMs' | 'ttfbMs' | 'ttiMs';

export interface LabSpread {
  min: number;
  /** The median of the runs' values (of the middle two when a metric is missing from some runs). */
  median: number;
  max: number;
}

export interface LabRuns {
  /** Runs measured. */
  runs: number;
  /** The run kept (1-based, in the order run): the one closest to the median FCP and TTI. */
  keptRun: number;
  /** Per metric, over the runs that measured it; absent when none did. */
  spread: Partial<Record<LabMetric, LabSpread>>;
}

export interface LighthouseOpportunity {
  /** Lighthouse audit id, e.g. "render-blocking-insight". */
  id: string;
  title: string;
  /** Markdown, with a "learn more" link. */
  description: string;
  displayValue?: string;
  /** Estimated time saved on load metrics, when Lighthouse estimates one. */
  savingsMs?: number;
  score: number;
}
