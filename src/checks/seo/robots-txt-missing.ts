import type { SeoArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { probeOutcome } from './helpers.ts';

export const robotsTxtMissing: Check<SeoArtifacts> = {
  id: 'seo.robots_txt_missing',
  domain: 'seo',
  title: 'Site has no robots.txt',
  description:
    'Flags a /robots.txt that answers 4xx or cannot be fetched. Crawlers then crawl everything, which is often ' +
    'fine, but the site gives up the place to keep them out of private areas and to announce its sitemap.',
  severity: 'low',
  effort: 15,
  verificationKey: 'seo_robots_txt_missing',
  fix: {
    summary: 'Serve a robots.txt at the site root.',
    steps: [
      'Serve /robots.txt as text/plain with at least "User-agent: *" and "Disallow:" (allow all).',
      'Add a "Sitemap: https://…/sitemap.xml" line naming the sitemap.',
      'Disallow only what crawlers should not fetch (admin, search results, carts).',
    ],
  },
  evaluate({ robotsTxt }) {
    const { status } = robotsTxt;
    if (status !== null && (status < 400 || status >= 500)) return [];
    return [
      {
        detail: `${robotsTxt.url} ${probeOutcome(robotsTxt)}.`,
        evidence: { url: robotsTxt.url, status, error: robotsTxt.error ?? null },
      },
    ];
  },
};
