import type { SeoArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { headings, listFew } from './helpers.ts';

export const h1Multiple: Check<SeoArtifacts> = {
  id: 'seo.h1_multiple',
  domain: 'seo',
  title: 'Page has several main headings',
  description:
    'Flags more than one <h1> with visible text. HTML allows it and search engines cope, but a single main heading ' +
    'states the page’s topic unambiguously.',
  severity: 'low',
  effort: 25,
  verificationKey: 'seo_h1_multiple',
  fix: {
    summary: 'Keep one <h1> for the page’s topic and demote the others.',
    steps: [
      'Choose the heading that names the whole page as the <h1>.',
      'Turn the other <h1> elements into <h2> (or lower) to match the outline; a logo is usually not a heading.',
    ],
  },
  evaluate({ page }) {
    const texts = headings(page, [1])
      .filter((heading) => heading.text !== '')
      .map((h1) => h1.text);
    if (texts.length < 2) return [];
    return [
      {
        detail: `The page has ${texts.length} <h1> elements: ${listFew(texts.map((text) => JSON.stringify(text)))}.`,
        evidence: { url: page.finalUrl, h1Count: texts.length, h1s: texts.slice(0, 10) },
      },
    ];
  },
};
