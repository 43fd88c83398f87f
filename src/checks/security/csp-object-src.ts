import type { SecurityArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { cspEvidence, cspPolicies, defectInEveryPolicy } from './parse.ts';

export const cspObjectSrc: Check<SecurityArtifacts> = {
  id: 'security.csp_object_src_missing',
  domain: 'security',
  title: 'CSP does not restrict plugins',
  description:
    "The Content-Security-Policy has no object-src, and default-src is not 'none', so <object> and <embed> " +
    'may load plugin content that can run script outside the script-src rules.',
  severity: 'medium',
  effort: 45,
  verificationKey: 'security_header_csp',
  fix: {
    summary: "Add object-src 'none' to the policy.",
    steps: ["Add the directive object-src 'none' (no current site needs plugins)."],
  },
  evaluate({ page }) {
    const policies = cspPolicies(page);
    const offending = defectInEveryPolicy(policies, ({ directives }) => {
      const fallback = directives.get('default-src');
      const noneFallback = fallback?.length === 1 && fallback[0]?.toLowerCase() === "'none'";
      if (directives.has('object-src') || noneFallback) return undefined;
      return fallback ? `default-src ${fallback.join(' ')} and no object-src` : 'no object-src or default-src';
    });
    if (offending.length === 0) return [];
    return [{ detail: `Content-Security-Policy leaves plugins unrestricted: ${offending.join('; ')}.`, evidence: cspEvidence(policies) }];
  },
};
