import { headerValues, type SecurityArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';

export const contentTypeOptions: Check<SecurityArtifacts> = {
  id: 'security.content_type_options',
  domain: 'security',
  title: 'X-Content-Type-Options nosniff missing',
  description:
    'Without X-Content-Type-Options: nosniff browsers may guess ("sniff") a response’s type and run an ' +
    'uploaded text or image file as script or stylesheet. Browsers read only the first value, which must be nosniff.',
  severity: 'medium',
  effort: 15,
  verificationKey: 'security_header_xcto',
  fix: {
    summary: 'Send X-Content-Type-Options: nosniff on every response.',
    steps: [
      'Add the header X-Content-Type-Options: nosniff in the web server, CDN or application middleware.',
      'Make sure every response also carries a correct Content-Type.',
    ],
  },
  evaluate({ page }) {
    const values = headerValues(page.headers, 'x-content-type-options');
    // Fetch spec: only the first value of the (comma-joined) list counts.
    const first = values.join(',').split(',')[0]?.trim().toLowerCase();
    if (first === 'nosniff') return [];
    const detail = values.length > 0
      ? `X-Content-Type-Options is "${values.join(', ')}", not nosniff.`
      : `${page.finalUrl} sends no X-Content-Type-Options header.`;
    return [{ detail, evidence: { header: 'x-content-type-options', value: values.length > 0 ? values.join(', ') : null } }];
  },
};
