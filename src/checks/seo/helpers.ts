import type { AnyNode, Element } from 'domhandler';
import robotsParser from 'robots-parser';
import { headerValues, selectElements, type PageArtifact, type ProbeArtifact } from '../artifacts.ts';

export function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Length as a reader counts it: code points, so an emoji is one character. */
export function charCount(text: string): number {
  return [...text].length;
}

/** "a, b, c and 2 more": the first few items of a list for a finding's detail. */
export function listFew(items: readonly string[], max = 5): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

/** The document's title, whitespace collapsed; undefined without a <title> (an SVG's <title> is not one). */
export function documentTitle(page: PageArtifact): string | undefined {
  const title = page.dom(selectElements(page, ['title'], 'title')).not('svg title').first();
  return title.length ? collapseWhitespace(title.text()) : undefined;
}

/** The `content` of each `<meta name=…>` with that name (any case), trimmed, in document order. */
export function metaContents(page: PageArtifact, name: string): string[] {
  return selectElements(page, ['meta'], `meta[name="${name}" i]`).map((meta) => (page.dom(meta).attr('content') ?? '').trim());
}

export interface Heading {
  level: number;
  /** Visible text: scripts and styles dropped, image alts kept, whitespace collapsed. */
  text: string;
}

/** Per heading: elements and text nodes visited, and text gathered, for its text. */
const HEADING_TEXT_NODES = 2_000;
const HEADING_TEXT_CHARS = 2_000;

/** The page's headings of `levels` (all six by default), in document order, each with its text. */
export function headings(page: PageArtifact, levels: readonly number[] = [1, 2, 3, 4, 5, 6]): Heading[] {
  return headingElements(page, levels).map((heading) => ({ level: headingLevel(heading), text: collapseWhitespace(visibleText(heading)) }));
}

/**
 * Every heading's level, in document order, without its text: the outline alone costs no walk
 * under each heading (a page of half a million headings took 0.6 s per check with the texts).
 */
export function headingLevels(page: PageArtifact): number[] {
  return headingElements(page, [1, 2, 3, 4, 5, 6]).map(headingLevel);
}

function headingElements(page: PageArtifact, levels: readonly number[]): Element[] {
  const tags = levels.map((level) => `h${level}`);
  return selectElements(page, tags, tags.join(', '));
}

const headingLevel = (heading: Element) => Number(heading.tagName.slice(1));

/**
 * The heading's visible text, scripts and styles dropped, image alts kept. A walk with a budget,
 * not a clone: headings nested in headings (a page of "<h1><div>" repeated) would each copy the
 * rest of the page, quadratically; past the budget the text is cut (a heading of that size is
 * no heading a reader sees anyway).
 */
function visibleText(heading: AnyNode): string {
  let text = '';
  let visits = 0;
  const stack: AnyNode[] = [...('children' in heading ? heading.children : [])].reverse();
  while (stack.length > 0 && visits++ < HEADING_TEXT_NODES && text.length < HEADING_TEXT_CHARS) {
    const node = stack.pop()!;
    if (node.type === 'text') text += node.data;
    else if (node.type === 'tag') {
      if (node.name === 'img') {
        if (node.attribs.alt !== undefined) text += ` ${node.attribs.alt} `;
      } else {
        // Only the children the budget can still reach: an element of 500 000 children inside 255
        // nested headings would otherwise be pushed 255 times in full.
        const reachable = Math.min(node.children.length, HEADING_TEXT_NODES - visits);
        for (let i = reachable - 1; i >= 0; i--) stack.push(node.children[i]!);
      }
    }
    // script, style (their own node types) and comments add nothing; template content is a fragment, not children.
  }
  return text.slice(0, HEADING_TEXT_CHARS);
}

/** Canonical hrefs as written, from `<link rel=canonical>` elements and `Link: <…>; rel=canonical` headers. */
export function canonicalHrefs(page: PageArtifact): string[] {
  const fromHtml = selectElements(page, ['link'], 'link[rel~="canonical" i]').map((link) => (page.dom(link).attr('href') ?? '').trim());
  const fromHeaders = headerValues(page.headers, 'link')
    .flatMap((value) => value.split(/,(?=\s*<)/))
    .flatMap((link) => {
      const match = /^\s*<([^>]*)>(.*)$/s.exec(link);
      const params = match?.[2] ?? '';
      return match && relIsCanonical(params) ? [(match[1] ?? '').trim()] : [];
    });
  return [...fromHtml, ...fromHeaders];
}

/**
 * Whether a Link value's parameters (`; rel="canonical"; …`) hold a rel naming canonical among its
 * relation types. Split, not matched: `/;\s*rel\s*=\s*"?[^";]*\bcanonical\b/` backtracked
 * quadratically over a header of spaces.
 */
function relIsCanonical(params: string): boolean {
  return params
    .split(';')
    .slice(1) // what precedes the first ";" is no parameter
    .some((param) => {
      const eq = param.indexOf('=');
      if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== 'rel') return false;
      return param.slice(eq + 1).replaceAll('"', ' ').toLowerCase().split(/\s+/).includes('canonical');
    });
}

export function isAbsoluteUrl(href: string): boolean {
  return /^https?:\/\//i.test(href) && URL.canParse(href);
}

/** `href` resolved against `base`; unparseable hrefs are kept as written. */
export function resolveUrl(href: string, base: string): string {
  return URL.canParse(href, base) ? new URL(href, base).href : href;
}

/** How a probe went, for a detail: "answered 404", "could not be fetched (timeout)". */
export function probeOutcome(probe: ProbeArtifact): string {
  return probe.status === null ? `could not be fetched (${probe.error ?? 'request failed'})` : `answered ${probe.status}`;
}

/** The parsed robots.txt when the site serves one, else undefined. */
export function parseRobotsTxt(robotsTxt: ProbeArtifact): ReturnType<typeof robotsParser> | undefined {
  const served = robotsTxt.status !== null && robotsTxt.status >= 200 && robotsTxt.status < 300;
  return served ? robotsParser(robotsTxt.url, robotsTxt.body) : undefined;
}
