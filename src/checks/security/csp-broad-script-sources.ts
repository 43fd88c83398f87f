import type { SecurityArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { cspEvidence, cspPolicies, hasSource, scriptDefects, scriptDirective } from './parse.ts';

const BROAD = new Set(['*', 'http:', 'https:', 'data:']);

export const cspBroadScriptSources: Check<SecurityArtifacts> = {
  id: 'security.csp_broad_script_sources',
  domain: 'security',
  title: 'CSP allows scripts from any host',
  description:
    "script-src (or default-src) contains *, http:, https: or data:, so an attacker can load script from a " +
    "host of their own or a data: URL. With 'strict-dynamic' browsers ignore such sources, so they pass as " +
    'a fallback for old browsers. A policy that does not restrict scripts at all is reported once, as allowing inline scripts.',
  severity: 'high',
  effort: 45,
  verificationKey: 'security_header_csp',
  fix: {
    summary: "Allow scripts by nonce or hash, or by a short list of exact hosts, not by scheme or '*'.",
    steps: [
      "Prefer script-src 'nonce-{random}' 'strict-dynamic' (a broad https: may stay as a fallback for old browsers).",
      'Otherwise replace *, http:, https: and data: with the exact hosts the page loads scripts from.',
    ],
  },
  evaluate({ page }) {
    const policies = cspPolicies(page);
    if (!policies.some(scriptDirective)) return [];
    const offending = scriptDefects(
      policies,
      (sources) => hasSource(sources, (s) => BROAD.has(s)) && !hasSource(sources, (s) => s === "'strict-dynamic'"),
    );
    if (offending.length === 0) return [];
    return [{ detail: `Content-Security-Policy allows scripts from any host: ${offending.join('; ')}.`, evidence: cspEvidence(policies) }];
  },
};
