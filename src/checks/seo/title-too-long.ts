import type { SeoArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { charCount, documentTitle } from './helpers.ts';

const MAX_LENGTH = 60;

export const titleTooLong: Check<SeoArtifacts> = {
  id: 'seo.title_too_long',
  domain: 'seo',
  title: 'Page title is too long',
  description: `Flags a title longer than ${MAX_LENGTH} characters: search results cut it off, so its end is never read.`,
  severity: 'low',
  effort: 15,
  verificationKey: 'seo_title_too_long',
  fix: {
    summary: `Shorten the title to at most ${MAX_LENGTH} characters.`,
    steps: [
      'Put the words that describe the page first.',
      'Drop filler and repeated keywords; move a long site-name suffix to a short brand name or remove it.',
    ],
  },
  evaluate({ page }) {
    const title = documentTitle(page);
    if (title === undefined) return [];
    const length = charCount(title);
    if (length <= MAX_LENGTH) return [];
    return [
      {
        detail: `The title ${JSON.stringify(title)} is ${length} characters long (more than ${MAX_LENGTH}).`,
        evidence: { url: page.finalUrl, title, length, maxLength: MAX_LENGTH },
      },
    ];
  },
};
