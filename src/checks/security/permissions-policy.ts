import { headerValues, type SecurityArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';

export const permissionsPolicy: Check<SecurityArtifacts> = {
  id: 'security.permissions_policy_missing',
  domain: 'security',
  title: 'Permissions-Policy header missing',
  description:
    'A Permissions-Policy turns off browser features the site does not use (camera, microphone, ' +
    'geolocation, payment…), so injected or third-party script cannot use them either.',
  severity: 'low',
  effort: 15,
  verificationKey: 'security_header_permissions_policy',
  fix: {
    summary: 'Send a Permissions-Policy that disables the features the site does not use.',
    steps: [
      'List the powerful features the site really needs.',
      'Send e.g. Permissions-Policy: camera=(), microphone=(), geolocation=(), payment=(), usb=() and allow only what is needed (e.g. geolocation=(self)).',
    ],
  },
  evaluate({ page }) {
    if (headerValues(page.headers, 'permissions-policy').some((v) => v.trim() !== '')) return [];
    return [{ detail: `${page.finalUrl} sends no Permissions-Policy header.`, evidence: { header: 'permissions-policy', value: null } }];
  },
};
