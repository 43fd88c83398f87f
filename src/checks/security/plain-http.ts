import { isIP } from 'node:net';
import { isPublicAddress } from '../../gather/ssrf/address-policy.ts';
import type { SecurityArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';

export const plainHttp: Check<SecurityArtifacts> = {
  id: 'security.plain_http',
  domain: 'security',
  title: 'Page served over plain HTTP',
  description:
    'The page was delivered over unencrypted HTTP, so anyone on the network path can read and alter it. ' +
    'Pages on private or loopback addresses and on .localhost names are exempt: they are local or ' +
    'development targets an operator allowlisted, not sites visitors reach over the internet.',
  severity: 'high',
  effort: 30,
  verificationKey: 'security_https_redirect',
  fix: {
    summary: 'Serve the site over HTTPS and redirect HTTP to it.',
    steps: [
      'Obtain a TLS certificate for the host (e.g. from Let’s Encrypt).',
      'Configure the web server or CDN to serve the site over HTTPS.',
      'Redirect every http:// request to its https:// address with a 301 or 308.',
    ],
  },
  evaluate({ page }) {
    const url = new URL(page.finalUrl);
    if (url.protocol !== 'http:' || !isPublicHost(url.hostname)) return [];
    return [{ detail: `${page.finalUrl} was served over plain HTTP.`, evidence: { url: page.finalUrl } }];
  },
};

function isPublicHost(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase();
  if (isIP(host) !== 0) return isPublicAddress(host);
  return host !== 'localhost' && !host.endsWith('.localhost');
}
