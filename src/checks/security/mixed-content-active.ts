import type { SecurityArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { isHttps, STYLESHEET_LINK, subresources } from './parse.ts';

export const mixedContentActive: Check<SecurityArtifacts> = {
  id: 'security.mixed_content_active',
  domain: 'security',
  title: 'Active mixed content',
  description:
    'An HTTPS page loads scripts, stylesheets or frames over plain HTTP. Anyone on the network can replace ' +
    'them and take over the page; browsers block them, which breaks the page instead. Applies to HTTPS pages only.',
  severity: 'high',
  effort: 35,
  verificationKey: 'security_mixed_content',
  fix: {
    summary: 'Load every script, stylesheet and frame over HTTPS.',
    steps: [
      'Change the listed http:// URLs to https:// (or to relative URLs for the site’s own files).',
      'If a third party does not offer HTTPS, host the file yourself or drop it.',
      "Add Content-Security-Policy: upgrade-insecure-requests as a safety net for URLs you missed.",
    ],
  },
  evaluate({ page }) {
    if (!isHttps(page)) return [];
    const urls = [
      ...subresources(page, ['script'], 'script[src]', 'src'),
      ...subresources(page, ['link'], STYLESHEET_LINK, 'href'),
      ...subresources(page, ['iframe'], 'iframe[src]', 'src'),
    ].filter((r) => r.url.protocol === 'http:').map((r) => r.url.href);
    const unique = [...new Set(urls)];
    if (unique.length === 0) return [];
    return [{ detail: `${unique.length} script(s), stylesheet(s) or frame(s) load over HTTP: ${unique.join(', ')}.`, evidence: { urls: unique } }];
  },
};
