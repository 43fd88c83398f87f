import { Parser } from 'htmlparser2';
import { buildPageArtifact, type PageArtifact } from '../checks/artifacts.ts';
import { SafeFetchError, type FetchedPage, type SafeFetcher } from './safe-fetch.ts';

export const HTML_TYPES = /^(text\/html|application\/xhtml\+xml)\b/i;
/**
 * The deepest element nesting a page may have. Chromium's parser builds no deeper tree (deeper
 * elements become siblings at this depth); parse5, which the checks' DOM uses, has no such limit
 * and its tree construction costs the depth for every element: a 200 KB page of unclosed <div>s
 * took 94 s, blocking the worker, and recursion over the tree ran out of stack at 10 000 levels.
 */
export const MAX_NESTING_DEPTH = 512;
/**
 * The most elements a page may have. Parsing into the checks' DOM (parse5 with domhandler's nodes)
 * costs about 2.5 µs and 700 bytes per element, on the main worker's event loop: 5 MiB of `<p>`
 * (1.7 million elements) took 4.3 s and 1.2 GB, 5 MiB of headings nested 512 deep (half a
 * million) 4.4 s and 500 MB. At this bound the worst page takes 1–2 s and about 210 MB.
 * Lighthouse already calls 1 400 elements an excessive DOM; a page of 70 times that is refused
 * whole (PageTooComplex) rather than audited in part: no check sees a truncated tree.
 */
export const MAX_PAGE_ELEMENTS = 100_000;

/** Why a page could not be audited; `type` names the failure, `permanent` says a retry won't help. */
export class PageUnavailable extends Error {
  constructor(
    message: string,
    readonly type: 'TargetRefused' | 'TargetClientError' | 'TargetServerError' | 'NotHtml' | 'TargetUnavailable' | 'PageTooComplex',
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'PageUnavailable';
  }
}

/** Fetches a page that must be HTML and answer 2xx/3xx, through the SSRF-safe fetcher. */
export async function fetchHtmlPage(fetcher: SafeFetcher, url: string): Promise<{ page: FetchedPage; html: string }> {
  let page: FetchedPage;
  try {
    page = await fetcher.fetchPage(url);
  } catch (err) {
    const permanent = err instanceof SafeFetchError && err.permanent;
    throw new PageUnavailable(`the page could not be fetched: ${(err as Error).message}`, permanent ? 'TargetRefused' : 'TargetUnavailable', permanent);
  }
  if (page.status >= 400 && page.status < 500) throw new PageUnavailable(`the page answered HTTP ${page.status}`, 'TargetClientError', true);
  if (page.status >= 500) throw new PageUnavailable(`the page answered HTTP ${page.status}`, 'TargetServerError', false);
  const contentType = String(page.headers['content-type'] ?? '');
  if (!HTML_TYPES.test(contentType)) {
    throw new PageUnavailable(`the page is not HTML (content-type: ${contentType || 'none'})`, 'NotHtml', true);
  }
  const html = decodeBody(page.body, contentType);
  const structure = pageStructure(html, { depth: MAX_NESTING_DEPTH, elements: MAX_PAGE_ELEMENTS });
  if (structure.depth > MAX_NESTING_DEPTH) {
    throw new PageUnavailable(`the page nests elements deeper than ${MAX_NESTING_DEPTH} levels, which no browser renders`, 'PageTooComplex', true);
  }
  if (structure.elements > MAX_PAGE_ELEMENTS) {
    throw new PageUnavailable(`the page has more than ${MAX_PAGE_ELEMENTS} elements, more than it can be audited with`, 'PageTooComplex', true);
  }
  return { page, html };
}

/**
 * How deep `html` nests its elements, as htmlparser2's linear tokenizer sees it (it closes
 * implied and void elements as HTML does, near enough for a bound); stops counting past `limit`.
 */
export function nestingDepth(html: string, limit: number): number {
  return pageStructure(html, { depth: limit, elements: Infinity }).depth;
}

/**
 * The deepest nesting and the number of elements of `html`, in one pass of htmlparser2's linear
 * tokenizer (which closes implied and void elements as HTML does, near enough for a bound; the
 * elements parse5 adds, html, head and body, are not counted). Stops counting as soon as either
 * passes its limit.
 */
export function pageStructure(html: string, limits: { depth: number; elements: number }): { depth: number; elements: number } {
  let depth = 0;
  let deepest = 0;
  let elements = 0;
  const parser = new Parser(
    {
      onopentag() {
        depth++;
        elements++;
        if (depth > deepest) deepest = depth;
        if (deepest > limits.depth || elements > limits.elements) parser.pause();
      },
      onclosetag() {
        depth--;
      },
    },
    { decodeEntities: false },
  );
  parser.end(html);
  return { depth: deepest, elements };
}

export async function fetchPageArtifact(fetcher: SafeFetcher, url: string): Promise<PageArtifact> {
  const { page, html } = await fetchHtmlPage(fetcher, url);
  return buildPageArtifact({ requestedUrl: url, finalUrl: page.url, status: page.status, headers: page.headers, html, redirects: page.redirects });
}

/** The body as text, in the charset the content-type names (UTF-8 when it names none or an unknown one). */
export function decodeBody(body: Buffer, contentType: string): string {
  const charset = /charset=["']?([\w-]+)/i.exec(contentType)?.[1] ?? 'utf-8';
  try {
    return new TextDecoder(charset).decode(body);
  } catch {
    return new TextDecoder('utf-8').decode(body);
  }
}
