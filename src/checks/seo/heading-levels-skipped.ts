import type { SeoArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { headingLevels, listFew } from './helpers.ts';

export const headingLevelsSkipped: Check<SeoArtifacts> = {
  id: 'seo.heading_levels_skipped',
  domain: 'seo',
  title: 'Heading levels are skipped',
  description:
    'Flags a heading more than one level below the heading before it (an <h2> followed by an <h4>). A skipped level ' +
    'breaks the outline search engines and assistive technology read the page’s structure from.',
  severity: 'low',
  effort: 25,
  verificationKey: 'seo_heading_levels_skipped',
  fix: {
    summary: 'Make each heading at most one level deeper than the one before it.',
    steps: [
      'Pick heading elements by their place in the outline, not by their look; style them with CSS instead.',
      'Change each skipping heading to the next level down (e.g. the <h4> after an <h2> becomes an <h3>).',
    ],
  },
  evaluate({ page }) {
    const levels = headingLevels(page);
    const skips = levels.flatMap((level, i) => {
      const previous = levels[i - 1];
      return previous !== undefined && level > previous + 1 ? [{ from: previous, to: level }] : [];
    });
    if (skips.length === 0) return [];
    return [
      {
        detail: `Heading levels are skipped ${skips.length} time(s): ${listFew(skips.map(({ from, to }) => `h${from} → h${to}`))}.`,
        evidence: { url: page.finalUrl, skipCount: skips.length, skips: skips.slice(0, 10) },
      },
    ];
  },
};
