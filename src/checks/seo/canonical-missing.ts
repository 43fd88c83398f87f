import type { SeoArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { canonicalHrefs } from './helpers.ts';

export const canonicalMissing: Check<SeoArtifacts> = {
  id: 'seo.canonical_missing',
  domain: 'seo',
  title: 'Page has no canonical link',
  description:
    'Looks for a canonical URL, in a <link rel="canonical"> or a `Link: <…>; rel="canonical"` header. It tells ' +
    'search engines which URL to index when the page is reachable under several (tracking parameters, trailing ' +
    'slashes, http/https); without it they guess.',
  severity: 'low',
  effort: 15,
  verificationKey: 'seo_canonical_missing',
  fix: {
    summary: 'Declare the page’s preferred URL with a canonical link.',
    steps: [
      'Add <link rel="canonical" href="https://…"> inside <head> with the page’s absolute, preferred URL.',
      'Point it at the page itself unless the content is a duplicate of another page.',
    ],
  },
  evaluate({ page }) {
    if (canonicalHrefs(page).length > 0) return [];
    return [{ detail: `The page ${page.finalUrl} declares no canonical URL.`, evidence: { url: page.finalUrl } }];
  },
};
