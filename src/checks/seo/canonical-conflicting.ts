import type { SeoArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { canonicalHrefs, listFew, resolveUrl } from './helpers.ts';

export const canonicalConflicting: Check<SeoArtifacts> = {
  id: 'seo.canonical_conflicting',
  domain: 'seo',
  title: 'Page declares conflicting canonical links',
  description:
    'Flags canonical links (elements or Link headers) that resolve to different URLs. Faced with conflicting ' +
    'canonicals, search engines ignore all of them.',
  severity: 'medium',
  effort: 15,
  verificationKey: 'seo_canonical_conflicting',
  fix: {
    summary: 'Keep exactly one canonical URL per page.',
    steps: [
      'Find every place that emits a canonical: the template, SEO plugins, the CDN or server (Link header).',
      'Remove all but one, and make it the page’s preferred absolute URL.',
    ],
  },
  evaluate({ page }) {
    const urls = [...new Set(canonicalHrefs(page).map((href) => resolveUrl(href, page.finalUrl)))];
    if (urls.length < 2) return [];
    return [
      {
        detail: `The page declares ${urls.length} different canonical URLs: ${listFew(urls)}.`,
        evidence: { url: page.finalUrl, canonicals: urls },
      },
    ];
  },
};
