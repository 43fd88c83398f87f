import { headerValues, type SecurityArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { hstsMaxAge, isHttps } from './parse.ts';

export const hstsMissing: Check<SecurityArtifacts> = {
  id: 'security.hsts_missing',
  domain: 'security',
  title: 'Strict-Transport-Security header missing',
  description:
    'Without HSTS a browser will still try http:// for this host (typed addresses, old links), where an ' +
    'attacker on the network can strip TLS. A header without a valid max-age, or with max-age=0, ' +
    'protects nothing and counts as missing. Applies to HTTPS pages only.',
  severity: 'high',
  effort: 15,
  verificationKey: 'security_header_hsts',
  fix: {
    summary: 'Send Strict-Transport-Security with a long max-age on every HTTPS response.',
    steps: [
      'Add the header Strict-Transport-Security: max-age=63072000; includeSubDomains to HTTPS responses.',
      'Make sure every subdomain serves HTTPS before adding includeSubDomains.',
      'Optionally submit the domain to the HSTS preload list once the header has been stable.',
    ],
  },
  evaluate({ page }) {
    if (!isHttps(page)) return [];
    const value = headerValues(page.headers, 'strict-transport-security')[0];
    if (value === undefined) {
      return [{ detail: `${page.finalUrl} sends no Strict-Transport-Security header.`, evidence: { header: 'strict-transport-security', value: null } }];
    }
    const maxAge = hstsMaxAge(value);
    if (maxAge === undefined || maxAge === 0) {
      const why = maxAge === 0 ? 'max-age=0 tells browsers to forget the host' : 'it has no valid max-age';
      return [{ detail: `Strict-Transport-Security "${value}" is ineffective: ${why}.`, evidence: { header: 'strict-transport-security', value } }];
    }
    return [];
  },
};
