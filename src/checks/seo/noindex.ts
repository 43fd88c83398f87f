import { headerValues, type SeoArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { metaContents } from './helpers.ts';

/** Generic robots directives plus the two crawlers that bring most search traffic; rules for other bots are ignored. */
const CRAWLERS = ['robots', 'googlebot', 'bingbot'];

function blocksIndexing(directives: string): boolean {
  return directives
    .toLowerCase()
    .split(/[\s,]+/)
    .some((directive) => directive === 'noindex' || directive === 'none');
}

/**
 * The `agent` of an `X-Robots-Tag: agent: directives` value: the text before the first colon,
 * when no comma comes first. By index, not by regex: `/^\s*([^,:]+):/` backtracks quadratically
 * over a value of spaces (0.41 s for a 16 KiB header).
 */
function agentOf(value: string): string | undefined {
  const colon = value.indexOf(':');
  if (colon < 1) return undefined;
  const comma = value.indexOf(',');
  if (comma !== -1 && comma < colon) return undefined;
  return value.slice(0, colon).trim().toLowerCase();
}

/** An `X-Robots-Tag` value applies to every crawler unless it starts with `agent:`; `unavailable_after:` is a directive, not an agent. */
function headerBlocksIndexing(value: string): boolean {
  const agent = agentOf(value);
  if (agent === undefined || agent === 'unavailable_after') return blocksIndexing(value);
  return CRAWLERS.includes(agent) && blocksIndexing(value.slice(value.indexOf(':') + 1));
}

export const noindex: Check<SeoArtifacts> = {
  id: 'seo.noindex',
  domain: 'seo',
  title: 'Page asks search engines not to index it',
  description:
    'Flags a noindex (or none) directive for all crawlers, Googlebot or Bingbot, in a robots meta tag or an ' +
    'X-Robots-Tag header. The page then disappears from search results; often a staging setting that reached ' +
    'production.',
  severity: 'high',
  effort: 15,
  verificationKey: 'seo_noindex',
  fix: {
    summary: 'Remove the noindex directive if the page should appear in search results.',
    steps: [
      'Remove noindex/none from <meta name="robots"> (and googlebot/bingbot variants), or the tag altogether.',
      'Remove the X-Robots-Tag: noindex header in the server, CDN or framework configuration.',
      'Check the CMS’s “discourage search engines” or environment setting that adds them.',
      'If the page must stay out of search results, mark this finding as accepted.',
    ],
  },
  evaluate({ page }) {
    const sources = [
      ...CRAWLERS.flatMap((name) =>
        metaContents(page, name)
          .filter(blocksIndexing)
          .map((content) => `<meta name="${name}" content="${content}">`),
      ),
      ...headerValues(page.headers, 'x-robots-tag')
        .filter(headerBlocksIndexing)
        .map((value) => `X-Robots-Tag: ${value}`),
    ];
    if (sources.length === 0) return [];
    return [{ detail: `The page is marked noindex by ${sources.join(' and ')}.`, evidence: { url: page.finalUrl, sources } }];
  },
};
