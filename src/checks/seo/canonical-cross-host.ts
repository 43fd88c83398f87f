import type { SeoArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { canonicalHrefs, resolveUrl } from './helpers.ts';

export const canonicalCrossHost: Check<SeoArtifacts> = {
  id: 'seo.canonical_cross_host',
  domain: 'seo',
  title: 'Canonical link points to another host',
  description:
    'Flags a single canonical URL on another host than the page (www vs apex counts). It is often deliberate ' +
    '(syndicated content, a preferred www host), hence low; but a canonical left pointing at a staging or old ' +
    'domain hands that host the page’s ranking. Conflicting canonicals are reported by their own check.',
  severity: 'low',
  effort: 15,
  verificationKey: 'seo_canonical_cross_host',
  fix: {
    summary: 'Make sure the canonical host is the one that should rank for this page.',
    steps: [
      'If the other host is not the intended original (a staging, old or mistyped domain), point the canonical at this page’s URL.',
      'If it is deliberate, keep it and mark this finding as accepted.',
    ],
  },
  evaluate({ page }) {
    const urls = [...new Set(canonicalHrefs(page).map((href) => resolveUrl(href, page.finalUrl)))];
    const [canonical] = urls;
    if (urls.length !== 1 || canonical === undefined || !URL.canParse(canonical)) return [];
    const canonicalHost = new URL(canonical).host;
    const pageHost = new URL(page.finalUrl).host;
    if (canonicalHost === pageHost) return [];
    return [
      {
        detail: `The canonical URL ${canonical} is on ${canonicalHost}, the page on ${pageHost}.`,
        evidence: { url: page.finalUrl, canonical, canonicalHost, pageHost },
      },
    ];
  },
};
