import type { SeoArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { metaContents } from './helpers.ts';

export const viewportNotDeviceWidth: Check<SeoArtifacts> = {
  id: 'seo.viewport_not_device_width',
  domain: 'seo',
  title: 'Viewport does not follow the device width',
  description:
    'Flags a <meta name="viewport"> without width=device-width (e.g. a fixed width=1024). Phones then lay the page ' +
    'out at a fixed width instead of their own, which search engines treat as not mobile-friendly.',
  severity: 'medium',
  effort: 15,
  verificationKey: 'seo_viewport_not_device_width',
  fix: {
    summary: 'Set the viewport width to the device width.',
    steps: [
      'Change the tag to <meta name="viewport" content="width=device-width, initial-scale=1">.',
      'Remove fixed widths from the layout that assumed the old viewport.',
    ],
  },
  evaluate({ page }) {
    const [content] = metaContents(page, 'viewport');
    if (content === undefined) return [];
    const directives = content.toLowerCase().split(/[,;]/).map((part) => part.replace(/\s+/g, ''));
    if (directives.includes('width=device-width')) return [];
    return [
      {
        detail: `The viewport is ${JSON.stringify(content)}, without width=device-width.`,
        evidence: { url: page.finalUrl, viewport: content },
      },
    ];
  },
};
