import type { SecurityArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { cspEvidence, cspPolicies, defectInEveryPolicy, effectiveSources, isBroadSource } from './parse.ts';

export const cspObjectSrc: Check<SecurityArtifacts> = {
  id: 'security.csp_object_src_missing',
  domain: 'security',
  title: 'CSP does not restrict plugins',
  description:
    'Neither object-src nor default-src restricts <object> and <embed>, or the one in force allows any host ' +
    "(*, a whole scheme such as https:, or a wildcard host), so plugin content that runs script outside the " +
    "script-src rules may load. object-src falls back to default-src; an empty source list matches nothing.",
  severity: 'medium',
  effort: 45,
  verificationKey: 'security_header_csp',
  fix: {
    summary: "Add object-src 'none' to the policy.",
    steps: ["Add the directive object-src 'none' (no current site needs plugins)."],
  },
  evaluate({ page }) {
    const policies = cspPolicies(page);
    const offending = defectInEveryPolicy(policies, (policy) => {
      const sources = effectiveSources(policy, 'object-src');
      if (sources === undefined) return 'no object-src or default-src';
      const name = policy.directives.has('object-src') ? 'object-src' : 'default-src';
      const broad = sources.filter((s) => isBroadSource(s) || s.toLowerCase() === 'data:');
      return broad.length > 0 ? `${name} ${sources.join(' ')} allows ${broad.join(' ')}` : undefined;
    });
    if (offending.length === 0) return [];
    return [{ detail: `Content-Security-Policy leaves plugins unrestricted: ${offending.join('; ')}.`, evidence: cspEvidence(policies) }];
  },
};
