import type { SecurityArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { cspEvidence, cspPolicies, hasSource, isBroadSource } from './parse.ts';

export const cspFormAction: Check<SecurityArtifacts> = {
  id: 'security.csp_form_action',
  domain: 'security',
  title: 'CSP does not restrict form targets',
  description:
    'The Content-Security-Policy has no form-action (it does not fall back to default-src), or form-action allows ' +
    'any host, so injected markup (a <form>, or a formaction on a button) can post what visitors type, passwords ' +
    'included, to another site.',
  severity: 'low',
  effort: 30,
  verificationKey: 'security_header_csp',
  fix: {
    summary: "Add form-action 'self' (plus the exact hosts forms post to) to the policy.",
    steps: ["Add the directive form-action 'self', listing any other host the site's forms post to by its exact https:// origin."],
  },
  evaluate({ page }) {
    const policies = cspPolicies(page);
    // A submission must pass every policy, so one restrictive form-action is enough.
    if (policies.length === 0 || policies.some((p) => p.directives.has('form-action') && !hasSource(p.directives.get('form-action') ?? [], isBroadSource))) return [];
    const declared = policies.flatMap((p) => (p.directives.has('form-action') ? [`form-action ${(p.directives.get('form-action') ?? []).join(' ')}`] : []));
    const detail = declared.length > 0
      ? `Content-Security-Policy lets forms post to any host: ${declared.join('; ')}.`
      : 'Content-Security-Policy has no form-action directive, so forms may post anywhere.';
    return [{ detail, evidence: cspEvidence(policies) }];
  },
};
