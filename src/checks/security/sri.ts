import type { SecurityArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { siteOf, STYLESHEET_LINK, subresources } from './parse.ts';

export const sri: Check<SecurityArtifacts> = {
  id: 'security.sri_missing',
  domain: 'security',
  title: 'Third-party scripts or stylesheets without integrity',
  description:
    'Scripts and stylesheets from another site are loaded without Subresource Integrity, so whoever ' +
    'controls that site (or compromises it) can change what runs on the page. Hosts of the page’s own site ' +
    '(same scheme and registrable domain, e.g. static.example.com for www.example.com) are not third parties.',
  severity: 'medium',
  effort: 30,
  verificationKey: 'security_sri',
  fix: {
    summary: 'Add integrity (and crossorigin="anonymous") to scripts and stylesheets from other sites.',
    steps: [
      'Compute the hash of each pinned file (e.g. openssl dgst -sha384 -binary file.js | openssl base64 -A) or copy it from the CDN.',
      'Add integrity="sha384-…" crossorigin="anonymous" to the <script> or <link> tag.',
      'For files that change without notice, host a pinned copy on your own origin instead.',
    ],
  },
  evaluate({ page }) {
    // Another host of the same site (www., static.) is the site's own: whoever can change it can change the page.
    const site = siteOf(new URL(page.finalUrl));
    const urls = [...subresources(page, ['script'], 'script[src]', 'src'), ...subresources(page, ['link'], STYLESHEET_LINK, 'href')]
      .filter(({ url, attribs }) => /^https?:$/.test(url.protocol) && siteOf(url) !== site && !attribs.integrity?.trim())
      .map(({ url }) => url.href);
    const unique = [...new Set(urls)];
    if (unique.length === 0) return [];
    return [{ detail: `${unique.length} script(s) or stylesheet(s) from other sites have no integrity attribute: ${unique.join(', ')}.`, evidence: { urls: unique } }];
  },
};
