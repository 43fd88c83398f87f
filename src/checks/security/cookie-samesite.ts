import type { SecurityArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { cookieDetections, cookies } from './parse.ts';

const ANTI_CSRF = /csrf|xsrf/i;

export const cookieSameSite: Check<SecurityArtifacts> = {
  id: 'security.cookie_samesite',
  domain: 'security',
  title: 'Cookies without a safe SameSite attribute',
  description:
    'Cookies without a valid SameSite attribute depend on each browser’s default for cross-site requests ' +
    '(some still send them, enabling cross-site request forgery), and SameSite=None without Secure is ' +
    'rejected by current browsers. Reported as medium for anti-CSRF cookies (csrf, xsrf) without SameSite and ' +
    'for a SameSite value browsers ignore (empty, True, …).',
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
    const all = cookies(page);
    // A misspelt SameSite, or an anti-CSRF token left to the browser's default, defeats the cookie's purpose.
    const serious = all.filter((c) => c.sameSite === undefined && (c.sameSiteDeclared !== undefined || ANTI_CSRF.test(c.name)));
    const advisory = all.filter((c) => !serious.includes(c) && (c.sameSite === undefined || (c.sameSite === 'none' && !c.secure)));
    return [
      ...cookieDetections(serious.map((c) => c.name), 'Anti-CSRF cookies without SameSite, or cookies with an invalid SameSite value')
        .map((d) => ({ ...d, severity: 'medium' as const })),
      ...cookieDetections(advisory.map((c) => c.name), 'Cookies without SameSite, or SameSite=None without Secure'),
    ];
  },
};
