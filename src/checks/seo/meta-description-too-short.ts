import type { SeoArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { charCount, collapseWhitespace, metaContents } from './helpers.ts';

const MIN_LENGTH = 50;

export const metaDescriptionTooShort: Check<SeoArtifacts> = {
  id: 'seo.meta_description_too_short',
  domain: 'seo',
  title: 'Meta description is too short',
  description:
    `Flags a non-empty meta description shorter than ${MIN_LENGTH} characters: too little for a useful snippet, so ` +
    'search engines tend to replace it (an empty one is reported as a missing one).',
  severity: 'low',
  effort: 15,
  verificationKey: 'seo_meta_description_too_short',
  fix: {
    summary: `Write a meta description of at least ${MIN_LENGTH} characters.`,
    steps: ['Summarise what the page offers and why a searcher would open it.', 'Keep it under 160 characters.'],
  },
  evaluate({ page }) {
    const [content] = metaContents(page, 'description');
    const description = collapseWhitespace(content ?? '');
    if (!description) return [];
    const length = charCount(description);
    if (length >= MIN_LENGTH) return [];
    return [
      {
        detail: `The meta description ${JSON.stringify(description)} is ${length} characters long (fewer than ${MIN_LENGTH}).`,
        evidence: { url: page.finalUrl, description, length, minLength: MIN_LENGTH },
      },
    ];
  },
};
