import { headerValues, type SecurityArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';

const REDIRECTS = new Set([301, 302, 307, 308]);

export const httpsRedirect: Check<SecurityArtifacts> = {
  id: 'security.http_not_redirected',
  domain: 'security',
  title: 'HTTP address does not redirect to HTTPS',
  description:
    'The http:// address of this HTTPS page should answer with a redirect to https://, so visitors who ' +
    'type the bare host name or follow an old link end up on the encrypted site, on the same host first (so the ' +
    'HTTPS answer can set HSTS for it). A host that does not answer on HTTP at all passes.',
  severity: 'medium',
  effort: 30,
  verificationKey: 'security_https_redirect',
  fix: {
    summary: 'Redirect every http:// request to the same path on https://.',
    steps: [
      'In the web server or CDN, add a rule answering plain-HTTP requests with 301 (or 308) and Location: https://<host><path>.',
      'Redirect before serving any content or setting cookies.',
      'Once the redirect is in place, send Strict-Transport-Security so browsers skip HTTP entirely.',
    ],
  },
  evaluate({ plainHttp }) {
    // No answer on port 80 (status null) leaves nothing to downgrade to.
    if (!plainHttp || plainHttp.status === null) return [];
    const location = plainHttp.location ?? headerValues(plainHttp.headers, 'location')[0];
    const target = location ? URL.parse(location, plainHttp.url) : null;
    const toHttps = REDIRECTS.has(plainHttp.status) && target?.protocol === 'https:';
    // HSTS is set by the HTTPS answer of the same host: a first hop to another host never sets it for this one.
    const sameHost = target?.hostname === new URL(plainHttp.url).hostname;
    if (toHttps && sameHost) return [];
    const answer = location ? `${plainHttp.status} to ${location}` : `${plainHttp.status}`;
    return [{
      detail: toHttps
        ? `${plainHttp.url} redirects to HTTPS on another host (${answer}), so browsers never get this host's Strict-Transport-Security.`
        : `${plainHttp.url} answered ${answer} instead of redirecting to HTTPS.`,
      evidence: { url: plainHttp.url, status: plainHttp.status, location: location ?? null },
    }];
  },
};
