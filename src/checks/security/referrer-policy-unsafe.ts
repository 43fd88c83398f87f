import type { SecurityArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { referrerPolicy } from './parse.ts';

// origin and origin-when-cross-origin send the origin on HTTPS→HTTP downgrades, which the default does not.
const UNSAFE = new Set(['unsafe-url', 'no-referrer-when-downgrade', 'origin', 'origin-when-cross-origin']);

export const referrerPolicyUnsafe: Check<SecurityArtifacts> = {
  id: 'security.referrer_policy_unsafe',
  domain: 'security',
  title: 'Referrer-Policy leaks full URLs to other sites',
  description:
    'The referrer policy in force (the last valid Referrer-Policy value, overridden by <meta name="referrer">) ' +
    'is unsafe-url or no-referrer-when-downgrade, so the full URL of the page, path and query included, ' +
    'is sent to every other site it links to or loads from; or it is origin or origin-when-cross-origin, which ' +
    'send the origin even from HTTPS to plain-HTTP sites, where the default policy sends nothing.',
  severity: 'medium',
  effort: 15,
  verificationKey: 'security_header_referrer',
  fix: {
    summary: 'Use Referrer-Policy: strict-origin-when-cross-origin (or stricter).',
    steps: [
      'Replace the policy with strict-origin-when-cross-origin, same-origin or no-referrer, in the header and any <meta name="referrer">.',
      'If a partner needs the full referrer, pass what it needs explicitly instead.',
    ],
  },
  evaluate({ page }) {
    const { policy, declared } = referrerPolicy(page);
    if (!policy || !UNSAFE.has(policy)) return [];
    return [{
      detail: `The referrer policy in force is ${policy} (declared: "${declared.join('", "')}").`,
      evidence: { header: 'referrer-policy', policy, declared },
    }];
  },
};
