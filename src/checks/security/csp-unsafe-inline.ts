import type { SecurityArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { cspEvidence, cspPolicies, hasSource, isNonceOrHash, scriptDefects } from './parse.ts';

export const cspUnsafeInline: Check<SecurityArtifacts> = {
  id: 'security.csp_unsafe_inline',
  domain: 'security',
  title: 'CSP allows inline scripts',
  description:
    "The Content-Security-Policy lets inline scripts run: script-src (or default-src) has 'unsafe-inline' " +
    "without a nonce, hash or 'strict-dynamic' (which make browsers ignore it), or the policy restricts " +
    'scripts not at all. Injected markup can then run script, which defeats the point of the policy.',
  severity: 'high',
  effort: 45,
  verificationKey: 'security_header_csp',
  fix: {
    summary: "Replace 'unsafe-inline' in script-src with per-response nonces or hashes.",
    steps: [
      "Add a nonce: script-src 'nonce-{random}' 'strict-dynamic', with a fresh random value per response on each <script nonce>.",
      'Move inline event handlers (onclick=…) and javascript: URLs into script files or nonced scripts.',
      "Keep 'unsafe-inline' only as a fallback next to a nonce or hash, where modern browsers ignore it.",
    ],
  },
  evaluate({ page }) {
    const policies = cspPolicies(page);
    const offending = scriptDefects(
      policies,
      (sources) => hasSource(sources, (s) => s === "'unsafe-inline'") && !hasSource(sources, (s) => isNonceOrHash(s) || s === "'strict-dynamic'"),
    );
    if (offending.length === 0) return [];
    return [{ detail: `Content-Security-Policy lets inline scripts run: ${offending.join('; ')}.`, evidence: cspEvidence(policies) }];
  },
};
