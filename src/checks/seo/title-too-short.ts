import type { SeoArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { charCount, documentTitle } from './helpers.ts';

const MIN_LENGTH = 10;

export const titleTooShort: Check<SeoArtifacts> = {
  id: 'seo.title_too_short',
  domain: 'seo',
  title: 'Page title is too short',
  description:
    `Flags a non-empty title shorter than ${MIN_LENGTH} characters: too little to tell searchers what the page is ` +
    'about (an empty title is reported as a missing one).',
  severity: 'low',
  effort: 15,
  verificationKey: 'seo_title_too_short',
  fix: {
    summary: `Write a title of at least ${MIN_LENGTH} characters that describes the page.`,
    steps: [
      'Say what the page offers, not only the site or section name (e.g. “Pricing – Acme” rather than “Home”).',
      'Keep it under 60 characters.',
    ],
  },
  evaluate({ page }) {
    const title = documentTitle(page);
    if (!title) return [];
    const length = charCount(title);
    if (length >= MIN_LENGTH) return [];
    return [
      {
        detail: `The title ${JSON.stringify(title)} is ${length} characters long (fewer than ${MIN_LENGTH}).`,
        evidence: { url: page.finalUrl, title, length, minLength: MIN_LENGTH },
      },
    ];
  },
};
