import type { SeoArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { parseRobotsTxt, probeOutcome } from './helpers.ts';

const XML_SITEMAP = /^\uFEFF?\s*<(\?xml|urlset|sitemapindex)\b/i;

export const sitemapMissing: Check<SeoArtifacts> = {
  id: 'seo.sitemap_missing',
  domain: 'seo',
  title: 'No XML sitemap found',
  description:
    'Looks for an XML sitemap: the one robots.txt names, else /sitemap.xml, answering 200 with XML. A sitemap ' +
    'lists the pages search engines should crawl, so new and deep pages are found sooner. A sitemap that robots.txt ' +
    'names but that does not answer counts as none.',
  severity: 'low',
  effort: 15,
  verificationKey: 'seo_sitemap_missing',
  fix: {
    summary: 'Publish an XML sitemap and name it in robots.txt.',
    steps: [
      'Generate /sitemap.xml listing the site’s indexable URLs (most CMSs and frameworks have a plugin for it).',
      'Add a "Sitemap: https://…/sitemap.xml" line to robots.txt.',
      'Submit it in the search engines’ webmaster tools.',
    ],
  },
  evaluate({ robotsTxt, sitemap }) {
    if (sitemap.status === 200 && XML_SITEMAP.test(sitemap.body)) return [];
    const declared = parseRobotsTxt(robotsTxt)?.getSitemaps() ?? [];
    const outcome = sitemap.status === 200 ? 'answered 200 without XML' : probeOutcome(sitemap);
    return [
      {
        detail: declared.length
          ? `robots.txt names ${sitemap.url}, which ${outcome}.`
          : `robots.txt names no sitemap, and ${sitemap.url} ${outcome}.`,
        evidence: { url: sitemap.url, status: sitemap.status, declaredInRobotsTxt: declared },
      },
    ];
  },
};
