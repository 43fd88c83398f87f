import { headerValues, type SecurityArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';

export const cors: Check<SecurityArtifacts> = {
  id: 'security.cors_wildcard_credentials',
  domain: 'security',
  title: 'CORS allows any origin with credentials',
  description:
    'The response sends Access-Control-Allow-Origin: * together with Access-Control-Allow-Credentials: true. ' +
    'Browsers refuse that pair, which usually means the server is one step away from reflecting any ' +
    'Origin with credentials, letting every site read signed-in visitors’ data.',
  severity: 'high',
  effort: 25,
  verificationKey: 'security_cors',
  fix: {
    summary: 'Allow credentials only for an explicit list of trusted origins.',
    steps: [
      'Drop Access-Control-Allow-Credentials where cross-origin reads need no cookies.',
      'Otherwise answer with the request’s Origin only when it is on an allowlist, plus Vary: Origin, never * or any Origin.',
    ],
  },
  evaluate({ page }) {
    const origin = headerValues(page.headers, 'access-control-allow-origin').map((v) => v.trim());
    const credentials = headerValues(page.headers, 'access-control-allow-credentials').map((v) => v.trim().toLowerCase());
    if (!origin.includes('*') || !credentials.includes('true')) return [];
    return [{
      detail: `${page.finalUrl} sends Access-Control-Allow-Origin: * with Access-Control-Allow-Credentials: true.`,
      evidence: { header: 'access-control-allow-origin', value: '*', credentials: 'true' },
    }];
  },
};
