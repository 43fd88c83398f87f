import { headerValues, type SecurityArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { referrerPolicy } from './parse.ts';

export const referrerPolicyMissing: Check<SecurityArtifacts> = {
  id: 'security.referrer_policy_missing',
  domain: 'security',
  title: 'Referrer-Policy missing',
  description:
    'No valid Referrer-Policy header or <meta name="referrer"> sets how much of the page URL is sent to ' +
    'other sites. Current browsers default to strict-origin-when-cross-origin, older ones send the full URL, ' +
    'which may carry tokens or personal data. A ' +
    'Referrer-Policy header with no valid value is reported as medium: it shows a policy meant but not applied.',
  severity: 'low',
  effort: 15,
  verificationKey: 'security_header_referrer',
  fix: {
    summary: 'Send Referrer-Policy: strict-origin-when-cross-origin (or stricter).',
    steps: [
      'Add the header Referrer-Policy: strict-origin-when-cross-origin (or no-referrer, same-origin, strict-origin).',
      'Check the value is spelled as a valid policy; browsers ignore unknown values.',
    ],
  },
  evaluate({ page }) {
    const { policy, declared } = referrerPolicy(page);
    if (policy) return [];
    const detail = declared.length > 0
      ? `No valid referrer policy among the declared values "${declared.join('", "')}".`
      : `${page.finalUrl} sends no Referrer-Policy header and has no <meta name="referrer">.`;
    // A header nobody can parse is a mistake to fix, not a choice: it ranks above a plain absence.
    const invalidHeader = headerValues(page.headers, 'referrer-policy').length > 0;
    return [{ detail, evidence: { header: 'referrer-policy', declared }, ...(invalidHeader ? { severity: 'medium' as const } : {}) }];
  },
};
