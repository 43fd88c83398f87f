import { selectElements, type SeoArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { listFew } from './helpers.ts';

export const imageAltMissing: Check<SeoArtifacts> = {
  id: 'seo.image_alt_missing',
  domain: 'seo',
  title: 'Images have no alt attribute',
  description:
    'Flags <img> elements without an alt attribute. Search engines read alt text to understand images and rank them ' +
    'in image search. alt="" is correct for decorative images and is not flagged.',
  severity: 'low',
  effort: 20,
  verificationKey: 'seo_image_alt_missing',
  fix: {
    summary: 'Give every image an alt attribute.',
    steps: [
      'Describe what informative images show, in a short phrase (alt="Team at the 2024 conference").',
      'Mark purely decorative images with an empty alt="" so they are skipped.',
      'Where a CMS inserts images, fill its alt-text field.',
    ],
  },
  evaluate({ page }) {
    const srcs = selectElements(page, ['img'], 'img:not([alt])').map((img) => page.dom(img).attr('src') ?? page.dom(img).attr('data-src') ?? '(no src)');
    if (srcs.length === 0) return [];
    return [
      {
        detail: `${srcs.length} image(s) have no alt attribute: ${listFew(srcs)}.`,
        evidence: { url: page.finalUrl, count: srcs.length, srcs: srcs.slice(0, 10) },
      },
    ];
  },
};
