import { headerValues, type SecurityArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { cspPolicies } from './parse.ts';

export const cspMissing: Check<SecurityArtifacts> = {
  id: 'security.csp_missing',
  domain: 'security',
  title: 'Content-Security-Policy missing',
  description:
    'A Content-Security-Policy limits which scripts, styles and frames the page may load, the main ' +
    'defence in depth against cross-site scripting. A policy in <meta http-equiv> counts; a ' +
    'Content-Security-Policy-Report-Only header alone enforces nothing and does not.',
  severity: 'high',
  effort: 45,
  verificationKey: 'security_header_csp',
  fix: {
    summary: 'Send a Content-Security-Policy header with a strict, nonce-based policy.',
    steps: [
      "Start from: default-src 'self'; script-src 'nonce-{random}' 'strict-dynamic'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'.",
      'Generate a fresh random nonce per response and put it on every <script> tag.',
      'Roll it out as Content-Security-Policy-Report-Only first, fix the reported violations, then enforce it.',
    ],
  },
  evaluate({ page }) {
    if (cspPolicies(page).length > 0) return [];
    const reportOnly = headerValues(page.headers, 'content-security-policy-report-only');
    const detail = reportOnly.length > 0
      ? `${page.finalUrl} sends only Content-Security-Policy-Report-Only ("${reportOnly.join(', ')}"), which reports but blocks nothing.`
      : `${page.finalUrl} has no Content-Security-Policy header or <meta http-equiv> policy.`;
    return [{ detail, evidence: { header: 'content-security-policy', value: null, reportOnly: reportOnly.length > 0 ? reportOnly : null } }];
  },
};
