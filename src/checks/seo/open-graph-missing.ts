import { selectElements, type SeoArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';

const TAGS = ['og:title', 'og:description', 'og:image', 'og:url'] as const;

export const openGraphMissing: Check<SeoArtifacts> = {
  id: 'seo.open_graph_missing',
  domain: 'seo',
  title: 'Open Graph tags are missing',
  description:
    `Looks for the basic Open Graph tags (${TAGS.join(', ')}) with content. Social networks and chat apps build ` +
    'link previews from them; without them a shared link shows a guessed title and no image. One finding lists all ' +
    'the missing tags.',
  severity: 'low',
  effort: 15,
  verificationKey: 'seo_open_graph_missing',
  fix: {
    summary: 'Add the missing Open Graph tags to <head>.',
    steps: [
      'Add <meta property="og:title" content="…">, og:description, og:image and og:url, as needed.',
      'Use an absolute URL for og:image (about 1200×630 pixels) and the page’s canonical URL for og:url.',
      'Check the preview with a sharing debugger of a social network.',
    ],
  },
  evaluate({ page }) {
    // Facebook wants `property`, but many sites use `name` and most consumers read both.
    const missing = TAGS.filter(
      (tag) => !selectElements(page, ['meta'], `meta[property="${tag}" i], meta[name="${tag}" i]`).some((meta) => (page.dom(meta).attr('content') ?? '').trim()),
    );
    if (missing.length === 0) return [];
    return [
      {
        detail: `The page lacks ${missing.length} of ${TAGS.length} Open Graph tags: ${missing.join(', ')}.`,
        evidence: { url: page.finalUrl, missing },
      },
    ];
  },
};
