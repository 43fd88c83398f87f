import type { SeoArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { canonicalHrefs, isAbsoluteUrl, listFew } from './helpers.ts';

export const canonicalRelative: Check<SeoArtifacts> = {
  id: 'seo.canonical_relative',
  domain: 'seo',
  title: 'Canonical link is not an absolute URL',
  description:
    'Flags a canonical href that is not an absolute http(s) URL (a path, a protocol-relative //host URL, an empty ' +
    'href). Search engines resolve relative ones, but a relative canonical copied to another host or path silently ' +
    'points somewhere else; absolute URLs are what they recommend.',
  severity: 'low',
  effort: 15,
  verificationKey: 'seo_canonical_relative',
  fix: {
    summary: 'Write the canonical href as a full URL, scheme and host included.',
    steps: ['Change the href to the absolute URL, e.g. https://www.example.com/page rather than /page.'],
  },
  evaluate({ page }) {
    const relative = canonicalHrefs(page).filter((href) => !isAbsoluteUrl(href));
    if (relative.length === 0) return [];
    return [
      {
        detail: `The canonical link is not absolute: ${listFew(relative.map((href) => JSON.stringify(href)))}.`,
        evidence: { url: page.finalUrl, hrefs: relative },
      },
    ];
  },
};
