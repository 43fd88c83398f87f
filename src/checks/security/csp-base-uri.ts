import type { SecurityArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { cspEvidence, cspPolicies, hasSource, isBroadSource, isNonceOrHash, scriptDirective, type CspPolicy } from './parse.ts';

/** Policies whose scripts are allowed by nonce, hash or 'strict-dynamic': a <base> can redirect those. */
function trustsMarkup(policy: CspPolicy): boolean {
  const d = scriptDirective(policy);
  return d !== undefined && hasSource(d.sources, (s) => isNonceOrHash(s) || s === "'strict-dynamic'");
}

export const cspBaseUri: Check<SecurityArtifacts> = {
  id: 'security.csp_base_uri_missing',
  domain: 'security',
  title: 'CSP does not restrict the base URI',
  description:
    "A policy that allows scripts by nonce, hash or 'strict-dynamic' has no base-uri (it does not fall back to " +
    'default-src), or a base-uri allows any host: injected <base href> markup can then point the page’s relative ' +
    "script URLs at another host, and the nonced or 'strict-dynamic' loader fetches them. Host-list policies " +
    "('self', exact hosts, default-src 'none') are not exposed that way and are not reported for a missing base-uri.",
  severity: 'low',
  effort: 45,
  verificationKey: 'security_header_csp',
  fix: {
    summary: "Add base-uri 'none' (or 'self' if the page uses <base>) to the policy.",
    steps: ["Add the directive base-uri 'none'; use base-uri 'self' if the site relies on a <base> element."],
  },
  evaluate({ page }) {
    const policies = cspPolicies(page);
    // Every enforced policy must allow a base URL for it to apply, so one restrictive base-uri is enough.
    if (policies.length === 0 || policies.some((p) => p.directives.has('base-uri') && !hasSource(p.directives.get('base-uri') ?? [], isBroadSource))) return [];
    const broad = policies.filter((p) => p.directives.has('base-uri'));
    if (broad.length > 0) {
      const values = broad.map((p) => `base-uri ${(p.directives.get('base-uri') ?? []).join(' ')}`).join('; ');
      return [{ detail: `Content-Security-Policy allows a <base> pointing at any host: ${values}.`, evidence: cspEvidence(policies) }];
    }
    if (!policies.some(trustsMarkup)) return [];
    const values = policies.map((p) => `"${p.value}"`).join(', ');
    return [{ detail: `Content-Security-Policy ${values} trusts nonces, hashes or 'strict-dynamic' but has no base-uri directive.`, evidence: cspEvidence(policies) }];
  },
};
