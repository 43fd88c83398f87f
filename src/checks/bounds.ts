/**
 * Bounds for what a page or a third party hands the checks. A page is written by anyone: every
 * string and list taken from it is cut to a size here before it is kept, so a finding's evidence,
 * the database row and Temporal's history stay small whatever the page sent.
 */

/** One string kept in a finding's evidence (a header value, a meta content, a selector…). */
export const MAX_EVIDENCE_STRING_CHARS = 2_000;
/** Items of one list kept in evidence (sources, cookies, resources…). */
export const MAX_EVIDENCE_ITEMS = 50;
/** Nesting kept in evidence; deeper values are dropped. No check writes more than four levels. */
export const MAX_EVIDENCE_DEPTH = 6;
/** A finding's detail (its description). */
export const MAX_DETAIL_CHARS = 4_000;
/** Steps of a fix, and characters of each. */
export const MAX_FIX_STEPS = 30;
export const MAX_FIX_STEP_CHARS = 2_000;

const ELLIPSIS = '…';
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * `text` cut to at most `max` characters (an ellipsis marks a cut), made storable: PostgreSQL's
 * jsonb refuses NUL and unpaired surrogates, which a page can put in an attribute and a cut can
 * make by splitting a pair. Linear in `max`, whatever the length of `text`.
 */
export function clip(text: string, max: number): string {
  const cut = text.length > max ? text.slice(0, Math.max(0, max - ELLIPSIS.length)) + ELLIPSIS : text;
  return cut.replaceAll('\u0000', '\uFFFD').replace(LONE_SURROGATE, '\uFFFD');
}

/**
 * A copy of `value` within the evidence bounds: strings clipped, lists cut (a trailing marker
 * string says how many items were left out), nesting cut. Plain JSON data in, plain JSON data out.
 */
export function boundEvidence<T>(value: T): T {
  return bound(value, 0) as T;
}

function bound(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return clip(value, MAX_EVIDENCE_STRING_CHARS);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_EVIDENCE_DEPTH) return undefined;
  if (Array.isArray(value)) {
    const kept = value.slice(0, MAX_EVIDENCE_ITEMS).map((item) => bound(item, depth + 1));
    return value.length > MAX_EVIDENCE_ITEMS ? [...kept, `… and ${value.length - MAX_EVIDENCE_ITEMS} more`] : kept;
  }
  const entries = Object.entries(value);
  return Object.fromEntries(entries.slice(0, MAX_EVIDENCE_ITEMS).map(([key, item]) => [clip(key, 200), bound(item, depth + 1)]));
}
