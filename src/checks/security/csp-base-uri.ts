import type { SecurityArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { cspEvidence, cspPolicies } from './parse.ts';

export const cspBaseUri: Check<SecurityArtifacts> = {
  id: 'security.csp_base_uri_missing',
  domain: 'security',
  title: 'CSP does not restrict the base URI',
  description:
    'The Content-Security-Policy has no base-uri (it does not fall back to default-src), so injected ' +
    '<base href> markup can point the page’s relative script URLs at another host, bypassing nonces.',
  severity: 'low',
  effort: 45,
  verificationKey: 'security_header_csp',
  fix: {
    summary: "Add base-uri 'none' (or 'self' if the page uses <base>) to the policy.",
    steps: ["Add the directive base-uri 'none'; use base-uri 'self' if the site relies on a <base> element."],
  },
  evaluate({ page }) {
    const policies = cspPolicies(page);
    if (policies.length === 0 || policies.some((p) => p.directives.has('base-uri'))) return [];
    const values = policies.map((p) => `"${p.value}"`).join(', ');
    return [{ detail: `Content-Security-Policy ${values} has no base-uri directive.`, evidence: cspEvidence(policies) }];
  },
};
