import type { SeoArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { metaContents } from './helpers.ts';

export const viewportMissing: Check<SeoArtifacts> = {
  id: 'seo.viewport_missing',
  domain: 'seo',
  title: 'Page has no viewport meta tag',
  description:
    'Looks for <meta name="viewport">. Without it phones render the page at desktop width, zoomed out; search ' +
    'engines index the mobile rendering and rank pages that are not mobile-friendly lower.',
  severity: 'medium',
  effort: 15,
  verificationKey: 'seo_viewport_missing',
  fix: {
    summary: 'Add a viewport meta tag that follows the device width.',
    steps: [
      'Add <meta name="viewport" content="width=device-width, initial-scale=1"> inside <head>.',
      'Check the page on a phone-sized screen: the layout must adapt, not scroll sideways.',
    ],
  },
  evaluate({ page }) {
    if (metaContents(page, 'viewport').length > 0) return [];
    return [{ detail: 'The page has no <meta name="viewport">.', evidence: { url: page.finalUrl } }];
  },
};
