import { headerValues, type SecurityArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { hstsMaxAge, isHttps } from './parse.ts';

// Half a year of 365 days, the threshold the HTTP Observatory and hstspreload.org's guidance use.
const SIX_MONTHS = 15_768_000;

export const hstsShortMaxAge: Check<SecurityArtifacts> = {
  id: 'security.hsts_short_max_age',
  domain: 'security',
  title: 'HSTS max-age shorter than six months',
  description:
    'A short HSTS max-age lets the browser forget the host soon, reopening the plain-HTTP window; ' +
    'six months (15768000 seconds) is the usual minimum, and the HSTS preload list asks for a year.',
  severity: 'medium',
  effort: 15,
  verificationKey: 'security_header_hsts',
  fix: {
    summary: 'Raise the Strict-Transport-Security max-age to at least six months, ideally two years.',
    steps: [
      'Set Strict-Transport-Security: max-age=63072000; includeSubDomains (two years).',
      'If unsure, raise max-age in steps (a week, a month, then two years) while watching for HTTPS problems.',
    ],
  },
  evaluate({ page }) {
    if (!isHttps(page)) return [];
    const value = headerValues(page.headers, 'strict-transport-security')[0];
    const maxAge = value === undefined ? undefined : hstsMaxAge(value);
    // Absent, invalid and zero are the missing check's findings.
    if (!maxAge || maxAge >= SIX_MONTHS) return [];
    return [{
      detail: `Strict-Transport-Security max-age=${maxAge} (${Math.floor(maxAge / 86_400)} days) is below ${SIX_MONTHS} (182 days).`,
      evidence: { header: 'strict-transport-security', value, maxAge },
    }];
  },
};
