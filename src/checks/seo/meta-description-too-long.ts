import type { SeoArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { charCount, collapseWhitespace, metaContents } from './helpers.ts';

const MAX_LENGTH = 160;

export const metaDescriptionTooLong: Check<SeoArtifacts> = {
  id: 'seo.meta_description_too_long',
  domain: 'seo',
  title: 'Meta description is too long',
  description: `Flags a meta description longer than ${MAX_LENGTH} characters: search results cut the snippet off.`,
  severity: 'low',
  effort: 15,
  verificationKey: 'seo_meta_description_too_long',
  fix: {
    summary: `Shorten the meta description to at most ${MAX_LENGTH} characters.`,
    steps: ['Keep the one or two sentences that tell a searcher why to open the page.', 'Put the key information first.'],
  },
  evaluate({ page }) {
    const [content] = metaContents(page, 'description');
    if (content === undefined) return [];
    const description = collapseWhitespace(content);
    const length = charCount(description);
    if (length <= MAX_LENGTH) return [];
    return [
      {
        detail: `The meta description is ${length} characters long (more than ${MAX_LENGTH}): ${JSON.stringify(description)}.`,
        evidence: { url: page.finalUrl, description, length, maxLength: MAX_LENGTH },
      },
    ];
  },
};
