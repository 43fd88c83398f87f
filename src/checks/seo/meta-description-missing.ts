import type { SeoArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { metaContents } from './helpers.ts';

export const metaDescriptionMissing: Check<SeoArtifacts> = {
  id: 'seo.meta_description_missing',
  domain: 'seo',
  title: 'Page has no meta description',
  description:
    'Looks for a <meta name="description"> with content. Search engines often show it as the snippet under the ' +
    'title; without one they pick text from the page, which may not sell it. It is not a ranking signal, hence low.',
  severity: 'low',
  effort: 15,
  verificationKey: 'seo_meta_description_missing',
  fix: {
    summary: 'Add a meta description that summarises the page.',
    steps: [
      'Add <meta name="description" content="…"> inside <head>, or fill the description field of the CMS.',
      'Summarise the page in 50–160 characters, written for the searcher.',
      'Make each page’s description unique.',
    ],
  },
  evaluate({ page }) {
    const [description] = metaContents(page, 'description');
    if (description === undefined) {
      return [{ detail: 'The page has no <meta name="description">.', evidence: { url: page.finalUrl, description: null } }];
    }
    if (description === '') {
      return [{ detail: 'The page’s meta description is empty or only whitespace.', evidence: { url: page.finalUrl, description } }];
    }
    return [];
  },
};
