import type { SecurityArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { cookieDetections, cookies, isHttps } from './parse.ts';

export const cookieSecure: Check<SecurityArtifacts> = {
  id: 'security.cookie_without_secure',
  domain: 'security',
  title: 'Cookies set without the Secure attribute',
  description:
    'An HTTPS page sets cookies without Secure, so the browser also sends them over plain HTTP, where ' +
    'anyone on the network can read them. Applies to HTTPS pages only.',
  severity: 'medium',
  effort: 25,
  verificationKey: 'security_cookie_flags',
  fix: {
    summary: 'Add the Secure attribute to every cookie the HTTPS site sets.',
    steps: [
      'Set Secure on each cookie (e.g. cookie option secure: true in the framework’s session settings).',
      'Consider the __Host- name prefix for session cookies, which makes browsers require Secure and Path=/.',
    ],
  },
  evaluate({ page }) {
    if (!isHttps(page)) return [];
    const names = cookies(page).filter((c) => !c.secure).map((c) => c.name);
    return cookieDetections(names, 'Cookies set without Secure');
  },
};
