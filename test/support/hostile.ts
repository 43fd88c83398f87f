/**
 * The worst inputs a page can hand the checks, for the hostile-input tests and
 * bench/hostile-inputs.ts. Each is as large as gathering lets through: a page body of
 * SCAN_MAX_PAGE_BYTES' default (5 MiB) with as many elements and as deep as capture lets through
 * (html-page.ts), a header value of 16 KiB (Node's and undici's whole
 * header section is 16 KiB by default, so one value at that size is already more than a page
 * can send), a probe body of 100 000 characters (site-probes.ts), and axe and Lighthouse results
 * at the bounds their gatherers keep.
 */
import { AXE_BOUNDS, AXE_RULES } from '../../src/gather/axe-results.ts';
import { MAX_NESTING_DEPTH, MAX_PAGE_ELEMENTS } from '../../src/gather/html-page.ts';
import type { AccessibilityArtifacts, HeaderMap, PerformanceArtifacts, SecurityArtifacts, SeoArtifacts } from '../../src/checks/artifacts.ts';
import { page, probe } from './artifacts.ts';

export const MAX_PAGE_CHARS = 5 * 1024 * 1024;
export const MAX_HEADER_CHARS = 16 * 1024;
export const MAX_PROBE_CHARS = 100_000;

const fill = (unit: string, size: number) => unit.repeat(Math.max(1, Math.floor(size / unit.length)));
const header = (unit: string, prefix = '') => prefix + fill(unit, MAX_HEADER_CHARS - prefix.length);

/** Header values that each regex or split of a check could choke on. */
export const HOSTILE_HEADER_SETS: Record<string, HeaderMap> = {
  spaces: Object.fromEntries(HEADER_NAMES().map((name) => [name, header(' ')])),
  digits: Object.fromEntries(HEADER_NAMES().map((name) => [name, header('1')])),
  separators: Object.fromEntries(HEADER_NAMES().map((name) => [name, header(',; =:<>"')])),
  directives: {
    'x-robots-tag': header(' ', 'googlebot'),
    link: header(' ', '<https://example.com/>; rel='),
    'content-security-policy': header("script-src 'unsafe-inline' 'unsafe-eval' * ; "),
    'strict-transport-security': header('max-age=1;'),
    'referrer-policy': header('unsafe-url,'),
    'permissions-policy': header('camera=*, '),
    server: header('nginx/1.1'),
    'set-cookie': Array.from({ length: 200 }, (_, i) => `sid${i}=${'v'.repeat(60)}; SameSite=None`),
  },
};

function HEADER_NAMES(): string[] {
  return [
    'x-robots-tag',
    'link',
    'content-security-policy',
    'strict-transport-security',
    'referrer-policy',
    'permissions-policy',
    'x-frame-options',
    'x-content-type-options',
    'access-control-allow-origin',
    'access-control-allow-credentials',
    'server',
    'x-powered-by',
    'x-aspnet-version',
    'x-aspnetmvc-version',
    'content-type',
  ];
}

const doc = (head: string, body: string) => `<!doctype html><html lang="en"><head>${head}</head><body>${body}</body></html>`;
const budget = (used: string) => MAX_PAGE_CHARS - used.length - 200;
/** Elements a page may still have besides html, head, body and title, and `used`. */
const elementBudget = (used = 0) => MAX_PAGE_ELEMENTS - 4 - used;
/**
 * `count` copies of `unit(pad)`, with `pad` as long as fills `size` characters: pages at both
 * capture bounds, the most elements (MAX_PAGE_ELEMENTS) and the most characters.
 */
const padded = (unit: (pad: string) => string, count: number, size: number) => {
  const pad = 'x'.repeat(Math.max(1, Math.floor(size / count - unit('').length)));
  return unit(pad).repeat(count);
};

/** Page bodies of 5 MiB with as many elements as capture lets through, each pathological in its own way. */
export const HOSTILE_HTML: Record<string, () => string> = {
  // Headings nested in headings as deep as capture lets through, the innermost holding the rest
  // of the page: a clone per heading copied the page 255 times.
  'nested headings': () => {
    const levels = (MAX_NESTING_DEPTH - 4) / 2;
    const nest = '<h1><div>'.repeat(levels);
    return doc('<title>t</title>', nest + padded((x) => `<h2>${x}</h2>`, elementBudget(2 * levels), budget(nest)));
  },
  // Blocks nested as deep as capture lets through (MAX_NESTING_DEPTH), for the length of the page.
  'deep nesting': () => {
    const levels = MAX_NESTING_DEPTH - 4;
    const block = (x: string) => `${'<div>'.repeat(levels)}<img src="http://x/${x}.png">${'</div>'.repeat(levels)}`;
    return doc('<title>t</title>', padded(block, Math.floor(elementBudget() / (levels + 1)), budget('')));
  },
  // As many elements of each kind the checks select as fit.
  'many elements': () =>
    doc(
      padded((x) => `<meta name="robots" content="noindex"><meta name="description" content="d"><link rel="canonical" href="/${x}"><meta http-equiv="content-security-policy" content="script-src *"><link rel="stylesheet" href="http://x/a.css"><meta property="og:title" content="x">`, Math.floor(elementBudget() / 2 / 6), budget('') / 2),
      padded((x) => `<img src="http://x/${x}.png"><script src="http://x/s.js"></script><h2>h</h2><h4>h</h4><iframe src="http://x/"></iframe>`, Math.floor(elementBudget() / 2 / 5), budget('') / 2),
    ),
  // One attribute, one title and one text node of megabytes.
  'huge values': () => {
    const big = 'x'.repeat(budget('') / 4);
    return doc(`<title>${big}</title><meta name="description" content="${big}"><meta name="viewport" content="${' '.repeat(big.length)}">`, `<h1>${big}</h1>`);
  },
  // Whitespace-only attributes and text where checks collapse or split on whitespace.
  whitespace: () => {
    const spaces = ' '.repeat(budget('') / 4);
    return doc(`<title>${spaces}</title><meta name="robots" content="${spaces}"><meta name="viewport" content="${fill(' ,;', spaces.length)}">`, `<h1>${spaces}</h1>`);
  },
  // srcset lists of thousands of candidates, and a <base> the URLs resolve against.
  'srcset lists': () => doc('<base href="http://x/"><title>t</title>', `<img srcset="${fill('a.png 1x, ', budget(''))}">`),
};

/** robots.txt and sitemap bodies at the probe bound. */
export const HOSTILE_PROBE_BODIES: Record<string, string> = {
  'many rules': fill('User-agent: *\nDisallow: /a*b*c*d*e*f*g*h*$\n', MAX_PROBE_CHARS),
  'one long wildcard line': `User-agent: *\nDisallow: /${fill('*a', MAX_PROBE_CHARS - 30)}\n`,
  'no newlines': fill(' ', MAX_PROBE_CHARS),
  'carriage returns': fill('\r', MAX_PROBE_CHARS),
};

export function hostileSecurity(html: string, headers: HeaderMap): SecurityArtifacts {
  return {
    page: page({ url: 'https://example.com/', html, headers: { 'content-type': 'text/html', ...headers } }),
    plainHttp: probe('http://example.com/', 200, fill(' ', MAX_PROBE_CHARS), headers),
  };
}

export function hostileSeo(html: string, headers: HeaderMap, robotsTxt: string): SeoArtifacts {
  return {
    page: page({ url: 'https://example.com/', html, headers: { 'content-type': 'text/html', ...headers } }),
    robotsTxt: probe('https://example.com/robots.txt', 200, robotsTxt),
    sitemap: probe('https://example.com/sitemap.xml', 200, robotsTxt),
  };
}

/** Every rule axe lists failing, each with the most nodes, each string at its bound. */
export function hostileAccessibility(): AccessibilityArtifacts {
  const selector = Array.from({ length: AXE_BOUNDS.targetLevels }, () => 's'.repeat(AXE_BOUNDS.selectorChars)).join(' >>> ');
  return {
    url: 'https://example.com/',
    axeVersion: '4.14.1',
    violations: [...AXE_RULES].map(([id, meta]) => ({
      id,
      impact: 'critical' as const,
      ...meta,
      nodes: Array.from({ length: AXE_BOUNDS.nodesPerRule }, () => ({
        target: [selector],
        html: '<'.repeat(AXE_BOUNDS.htmlChars),
        failureSummary: ' '.repeat(AXE_BOUNDS.failureSummaryChars),
      })),
      nodeCount: AXE_BOUNDS.nodeCount,
    })),
  };
}

/** Every opportunity the Lighthouse list allows, each string at its bound. */
export function hostilePerformance(opportunityIds: readonly string[], bounds: { titleChars: number; descriptionChars: number; displayValueChars: number }): PerformanceArtifacts {
  return {
    url: 'https://example.com/',
    source: 'pagespeed',
    metrics: { lcpMs: Number.MAX_VALUE, fcpMs: 1e308, cls: 1e308, tbtMs: 1e308, speedIndexMs: 1e308, ttfbMs: 1e308 },
    field: { scope: 'page', lcpMs: 1e308, inpMs: 1e308, cls: 1e308, fcpMs: 1e308, ttfbMs: 1e308 },
    opportunities: opportunityIds.map((id) => ({
      id,
      title: 't'.repeat(bounds.titleChars),
      description: ' '.repeat(bounds.descriptionChars),
      displayValue: 'd'.repeat(bounds.displayValueChars),
      savingsMs: 1e15,
      score: 0,
    })),
    lighthouseVersion: '13.5.0',
  };
}
