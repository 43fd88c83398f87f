import type { SecurityArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { isHttps, subresources } from './parse.ts';

export const mixedContentPassive: Check<SecurityArtifacts> = {
  id: 'security.mixed_content_passive',
  domain: 'security',
  title: 'Passive mixed content',
  description:
    'An HTTPS page loads images, audio or video over plain HTTP. Anyone on the network can see or swap ' +
    'them, and browsers mark the page as not fully secure or upgrade and break them. Applies to HTTPS pages only.',
  severity: 'low',
  effort: 35,
  verificationKey: 'security_mixed_content',
  fix: {
    summary: 'Load every image, audio and video file over HTTPS.',
    steps: [
      'Change the listed http:// URLs to https:// (or to relative URLs for the site’s own files).',
      "Add Content-Security-Policy: upgrade-insecure-requests as a safety net for URLs you missed.",
    ],
  },
  evaluate({ page }) {
    if (!isHttps(page)) return [];
    const urls = [
      ...subresources(page, ['img', 'audio', 'video', 'source'], 'img[src], audio[src], video[src], source[src]', 'src'),
      ...subresources(page, ['img', 'source'], 'img[srcset], source[srcset]', 'srcset'),
    ].filter((r) => r.url.protocol === 'http:').map((r) => r.url.href);
    const unique = [...new Set(urls)];
    if (unique.length === 0) return [];
    return [{ detail: `${unique.length} image(s) or media file(s) load over HTTP: ${unique.join(', ')}.`, evidence: { urls: unique } }];
  },
};
