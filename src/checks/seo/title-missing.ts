import type { SeoArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { documentTitle } from './helpers.ts';

export const titleMissing: Check<SeoArtifacts> = {
  id: 'seo.title_missing',
  domain: 'seo',
  title: 'Page has no title',
  description:
    'Looks for a <title> element with text. Search results show the title as the headline of the page and ' +
    'weigh it heavily for relevance; without one (or with an empty one) search engines invent a headline.',
  severity: 'medium',
  effort: 15,
  verificationKey: 'seo_title_missing',
  fix: {
    summary: 'Give the page a unique, descriptive <title>.',
    steps: [
      'Add a <title> element inside <head>, or fill the page-title field of the CMS or framework.',
      'Describe the page’s content in 10–60 characters, with the most important words first.',
      'Make each page’s title unique across the site.',
    ],
  },
  evaluate({ page }) {
    const title = documentTitle(page);
    if (title === undefined) {
      return [{ detail: 'The page has no <title> element.', evidence: { url: page.finalUrl, title: null } }];
    }
    if (title === '') {
      return [{ detail: 'The page’s <title> element is empty or only whitespace.', evidence: { url: page.finalUrl, title } }];
    }
    return [];
  },
};
