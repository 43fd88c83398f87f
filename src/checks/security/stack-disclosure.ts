import type { SecurityArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { disclosingHeaders } from './parse.ts';

export const stackDisclosure: Check<SecurityArtifacts> = {
  id: 'security.stack_disclosure',
  domain: 'security',
  title: 'Framework disclosed in response headers',
  description:
    'X-Powered-By (or an ASP.NET version header) names the framework behind the site without a version ' +
    '(e.g. Express). It serves no visitor and narrows an attacker’s search. A plain Server name without a ' +
    'version is not reported; versions are reported as version disclosure.',
  severity: 'low',
  effort: 15,
  verificationKey: 'security_version_disclosure',
  fix: {
    summary: 'Remove the X-Powered-By header.',
    steps: [
      "Express: app.disable('x-powered-by'); PHP: expose_php = Off; ASP.NET: remove X-Powered-By in web.config customHeaders.",
      'Or strip the header at the reverse proxy or CDN.',
    ],
  },
  evaluate({ page }) {
    const disclosed = disclosingHeaders(page).filter((h) => h.header !== 'server' && !h.version && h.value.trim() !== '');
    if (disclosed.length === 0) return [];
    return [{
      detail: `Headers reveal the server stack: ${disclosed.map((h) => `${h.header}: ${h.value}`).join('; ')}.`,
      evidence: { headers: disclosed.map(({ header, value }) => ({ header, value })) },
    }];
  },
};
