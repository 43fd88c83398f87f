import { headerValues, type SecurityArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';

const VALUES = new Set(['same-origin', 'same-site', 'cross-origin']);

export const corp: Check<SecurityArtifacts> = {
  id: 'security.corp_invalid',
  domain: 'security',
  title: 'Cross-Origin-Resource-Policy not recognised',
  description:
    'The page sends Cross-Origin-Resource-Policy, but not as exactly one of same-origin, same-site or cross-origin. ' +
    'Browsers ignore such a header (Fetch, cross-origin resource policy check), so other sites can embed the ' +
    'response as if no policy had been set. A page without the header is not reported: it behaves as cross-origin, ' +
    'the web’s default.',
  severity: 'medium',
  effort: 15,
  verificationKey: 'security_header_corp',
  fix: {
    summary: 'Send Cross-Origin-Resource-Policy: same-origin (or same-site), spelled exactly.',
    steps: [
      'Set the header to same-origin, or same-site if other hosts of the site embed the response; cross-origin only for public resources.',
      'Send it once: a repeated header or a list of values is ignored.',
    ],
  },
  evaluate({ page }) {
    const values = headerValues(page.headers, 'cross-origin-resource-policy');
    if (values.length === 0) return [];
    // Fetch parses the header as a single token: a list (two headers, or a comma) is no policy at all.
    const joined = values.join(', ');
    if (values.length === 1 && VALUES.has(joined.trim())) return [];
    return [{
      detail: `Cross-Origin-Resource-Policy "${joined}" is not one of same-origin, same-site or cross-origin, so browsers ignore it.`,
      evidence: { header: 'cross-origin-resource-policy', value: joined },
    }];
  },
};
