import type { SecurityArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { disclosingHeaders } from './parse.ts';

export const versionDisclosure: Check<SecurityArtifacts> = {
  id: 'security.version_disclosure',
  domain: 'security',
  title: 'Server software version disclosed',
  description:
    'Server, X-Powered-By, X-AspNet-Version or X-AspNetMvc-Version names a software version (e.g. nginx/1.18.0), ' +
    'telling attackers exactly which known vulnerabilities to try.',
  severity: 'medium',
  effort: 15,
  verificationKey: 'security_version_disclosure',
  fix: {
    summary: 'Stop sending version numbers in response headers.',
    steps: [
      'nginx: server_tokens off; Apache: ServerTokens Prod and ServerSignature Off.',
      'PHP: expose_php = Off; ASP.NET: <httpRuntime enableVersionHeader="false"/> and MvcHandler.DisableMvcResponseHeader = true.',
      'Or strip the headers at the reverse proxy or CDN. Keep the software patched regardless.',
    ],
  },
  evaluate({ page }) {
    const disclosed = disclosingHeaders(page).filter((h) => h.version);
    if (disclosed.length === 0) return [];
    return [{
      detail: `Headers reveal software versions: ${disclosed.map((h) => `${h.header}: ${h.value}`).join('; ')}.`,
      evidence: { headers: disclosed.map(({ header, value }) => ({ header, value })) },
    }];
  },
};
