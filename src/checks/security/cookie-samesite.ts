import type { SecurityArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { cookieDetections, cookies } from './parse.ts';

export const cookieSameSite: Check<SecurityArtifacts> = {
  id: 'security.cookie_samesite',
  domain: 'security',
  title: 'Cookies without a safe SameSite attribute',
  description:
    'Cookies without a valid SameSite attribute depend on each browser’s default for cross-site requests ' +
    '(some still send them, enabling cross-site request forgery), and SameSite=None without Secure is ' +
    'rejected by current browsers.',
  severity: 'low',
  effort: 25,
  verificationKey: 'security_cookie_flags',
  fix: {
    summary: 'Set SameSite=Lax (or Strict) on every cookie; SameSite=None only with Secure.',
    steps: [
      'Add SameSite=Lax to cookies by default, SameSite=Strict to those never needed on cross-site navigation.',
      'Keep SameSite=None only for cookies that must be sent in cross-site contexts, and always with Secure.',
    ],
  },
  evaluate({ page }) {
    const names = cookies(page)
      .filter((c) => c.sameSite === undefined || (c.sameSite === 'none' && !c.secure))
      .map((c) => c.name);
    return cookieDetections(names, 'Cookies without SameSite, or SameSite=None without Secure');
  },
};
