import type { SecurityArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { cspEvidence, cspPolicies, hasSource, scriptDefects, scriptDirective } from './parse.ts';

export const cspUnsafeEval: Check<SecurityArtifacts> = {
  id: 'security.csp_unsafe_eval',
  domain: 'security',
  title: 'CSP allows eval',
  description:
    "script-src (or default-src) contains 'unsafe-eval', so eval(), new Function() and string timers may " +
    'turn injected text into code. A policy that does not restrict scripts at all is reported once, as allowing inline scripts.',
  severity: 'medium',
  effort: 45,
  verificationKey: 'security_header_csp',
  fix: {
    summary: "Remove 'unsafe-eval' from the policy.",
    steps: [
      'Find the code using eval(), new Function() or setTimeout/setInterval with a string (the browser reports it once the keyword is gone).',
      'Replace it with regular functions and JSON.parse; update or replace libraries that need eval.',
      "Use 'wasm-unsafe-eval' instead if only WebAssembly compilation needs it.",
    ],
  },
  evaluate({ page }) {
    const policies = cspPolicies(page);
    if (!policies.some(scriptDirective)) return [];
    const offending = scriptDefects(policies, (sources) => hasSource(sources, (s) => s === "'unsafe-eval'"));
    if (offending.length === 0) return [];
    return [{ detail: `Content-Security-Policy allows eval: ${offending.join('; ')}.`, evidence: cspEvidence(policies) }];
  },
};
