import type { SecurityArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { STYLESHEET_LINK, subresources } from './parse.ts';

export const sri: Check<SecurityArtifacts> = {
  id: 'security.sri_missing',
  domain: 'security',
  title: 'Third-party scripts or stylesheets without integrity',
  description:
    'Scripts and stylesheets from another origin are loaded without Subresource Integrity, so whoever ' +
    'controls that origin (or compromises it) can change what runs on the page.',
  severity: 'medium',
  effort: 30,
  verificationKey: 'security_sri',
  fix: {
    summary: 'Add integrity (and crossorigin="anonymous") to scripts and stylesheets from other origins.',
    steps: [
      'Compute the hash of each pinned file (e.g. openssl dgst -sha384 -binary file.js | openssl base64 -A) or copy it from the CDN.',
      'Add integrity="sha384-…" crossorigin="anonymous" to the <script> or <link> tag.',
      'For files that change without notice, host a pinned copy on your own origin instead.',
    ],
  },
  evaluate({ page }) {
    const origin = new URL(page.finalUrl).origin;
    const urls = [...subresources(page, 'script[src]', 'src'), ...subresources(page, STYLESHEET_LINK, 'href')]
      .filter(({ url, attribs }) => /^https?:$/.test(url.protocol) && url.origin !== origin && !attribs.integrity?.trim())
      .map(({ url }) => url.href);
    const unique = [...new Set(urls)];
    if (unique.length === 0) return [];
    return [{ detail: `${unique.length} script(s) or stylesheet(s) from other origins have no integrity attribute: ${unique.join(', ')}.`, evidence: { urls: unique } }];
  },
};
