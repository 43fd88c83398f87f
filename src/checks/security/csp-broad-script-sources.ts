import type { SecurityArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { cspEvidence, cspPolicies, hasSource, isBroadSource, isHttps, isInsecureSchemeSource, scriptDefects, scriptDirective } from './parse.ts';

export const cspBroadScriptSources: Check<SecurityArtifacts> = {
  id: 'security.csp_broad_script_sources',
  domain: 'security',
  title: 'CSP allows scripts from any host',
  description:
    "script-src (or default-src) contains *, a whole scheme (http:, https:, ftp:), a wildcard host (https://*) or " +
    'data:, so an attacker can load script from a host of their own or a data: URL; on an HTTPS page a source over ' +
    "http:// or ftp:// lets anyone on the network replace the script. With 'strict-dynamic' browsers ignore such " +
    'sources, so they pass as a fallback for old browsers. A policy that does not restrict scripts at all is ' +
    'reported once, as allowing inline scripts.',
  severity: 'high',
  effort: 45,
  verificationKey: 'security_header_csp',
  fix: {
    summary: "Allow scripts by nonce or hash, or by a short list of exact HTTPS hosts, not by scheme or '*'.",
    steps: [
      "Prefer script-src 'nonce-{random}' 'strict-dynamic' (a broad https: may stay as a fallback for old browsers).",
      'Otherwise replace *, schemes, wildcard hosts and data: with the exact https:// hosts the page loads scripts from.',
    ],
  },
  evaluate({ page }) {
    const policies = cspPolicies(page);
    if (!policies.some(scriptDirective)) return [];
    const https = isHttps(page);
    const offending = scriptDefects(
      policies,
      (sources) =>
        hasSource(sources, (s) => isBroadSource(s) || s === 'data:' || (https && isInsecureSchemeSource(s))) &&
        !hasSource(sources, (s) => s === "'strict-dynamic'"),
    );
    if (offending.length === 0) return [];
    return [{ detail: `Content-Security-Policy allows scripts from any host or over plain HTTP: ${offending.join('; ')}.`, evidence: cspEvidence(policies) }];
  },
};
