import type { SeoArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { headings } from './helpers.ts';

export const h1Missing: Check<SeoArtifacts> = {
  id: 'seo.h1_missing',
  domain: 'seo',
  title: 'Page has no main heading',
  description:
    'Looks for an <h1> with visible text (an image’s alt text counts). The main heading tells search engines and ' +
    'readers what the page is about; an empty <h1> says nothing.',
  severity: 'medium',
  effort: 25,
  verificationKey: 'seo_h1_missing',
  fix: {
    summary: 'Give the page one <h1> that names its topic.',
    steps: [
      'Mark the page’s main heading up as <h1> (not a styled <div> or a lower heading level).',
      'Give it visible text, or an alt text when the heading is an image such as a logo.',
    ],
  },
  evaluate({ page }) {
    const h1s = headings(page, [1]);
    if (h1s.some((h1) => h1.text !== '')) return [];
    const detail = h1s.length === 0 ? 'The page has no <h1> element.' : `The page’s ${h1s.length} <h1> element(s) have no visible text.`;
    return [{ detail, evidence: { url: page.finalUrl, h1Count: h1s.length } }];
  },
};
