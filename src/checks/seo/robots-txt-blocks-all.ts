import type { SeoArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { parseRobotsTxt } from './helpers.ts';

/** The generic group plus the major engines: a site that lets Googlebot in through its own group is not blocked. */
const AGENTS = ['*', 'Googlebot', 'bingbot'];

export const robotsTxtBlocksAll: Check<SeoArtifacts> = {
  id: 'seo.robots_txt_blocks_all',
  domain: 'seo',
  title: 'robots.txt blocks all crawlers',
  description:
    'Flags a robots.txt that disallows both the site root and the scanned page for every crawler, generic and ' +
    'Googlebot and Bingbot alike (typically "User-agent: *" with "Disallow: /"). Search engines then stop ' +
    'crawling the site, and its pages drop out of search results.',
  severity: 'high',
  effort: 15,
  verificationKey: 'seo_robots_txt_blocks_all',
  fix: {
    summary: 'Allow crawlers into the site in robots.txt.',
    steps: [
      'Remove "Disallow: /" from the "User-agent: *" group (an empty "Disallow:" allows everything).',
      'Disallow only the paths crawlers should not fetch.',
      'Make sure a staging robots.txt is not deployed to production.',
    ],
  },
  evaluate({ page, robotsTxt }) {
    const robots = parseRobotsTxt(robotsTxt);
    if (!robots) return [];
    const root = new URL('/', robotsTxt.url).href;
    const urls = [root, page.finalUrl];
    // isAllowed is undefined for a URL of another origin than the robots.txt: that one does not govern it.
    if (!AGENTS.every((agent) => urls.every((url) => robots.isAllowed(url, agent) === false))) return [];
    const line = robots.getMatchingLineNumber(root, '*');
    const rule = robotsTxt.body.split(/\r?\n/)[line - 1]?.trim() ?? null;
    return [
      {
        detail: `${robotsTxt.url} disallows the whole site for all crawlers${rule ? ` (line ${line}: ${rule})` : ''}.`,
        evidence: { url: robotsTxt.url, pageUrl: page.finalUrl, line, rule, agents: AGENTS },
      },
    ];
  },
};
