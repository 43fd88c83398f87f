import { headerValues, type SecurityArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { cspPolicies, hasSource, isBroadSource } from './parse.ts';

export const clickjacking: Check<SecurityArtifacts> = {
  id: 'security.clickjacking',
  domain: 'security',
  title: 'Page can be framed by other sites',
  description:
    'Neither X-Frame-Options (DENY or SAMEORIGIN) nor a Content-Security-Policy frame-ancestors directive ' +
    'stops other sites from framing the page, so they can overlay it and trick visitors into clicks ' +
    '(clickjacking). frame-ancestors, when present, overrides X-Frame-Options; browsers ignore ALLOW-FROM and other ' +
    'X-Frame-Options values, and frame-ancestors in a <meta> policy.',
  severity: 'medium',
  effort: 15,
  verificationKey: 'security_header_xfo',
  fix: {
    summary: "Send Content-Security-Policy: frame-ancestors 'self' (and X-Frame-Options: SAMEORIGIN for old browsers).",
    steps: [
      "Add frame-ancestors 'self' (or 'none', or the exact sites allowed to frame the page) to the Content-Security-Policy header.",
      'Also send X-Frame-Options: SAMEORIGIN (or DENY) for browsers without CSP level 2.',
    ],
  },
  evaluate({ page }) {
    const xfo = headerValues(page.headers, 'x-frame-options');
    const ancestors = cspPolicies(page, { meta: false }).flatMap((p) => {
      const sources = p.directives.get('frame-ancestors');
      return sources ? [sources] : [];
    });
    // Browsers ignore X-Frame-Options once any policy has frame-ancestors. Per HTML, an XFO list that
    // names DENY or SAMEORIGIN blocks framing even when confused (e.g. "DENY, SAMEORIGIN").
    const tokens = new Set(xfo.flatMap((v) => v.split(',')).map((t) => t.trim().toLowerCase()));
    const framingBlocked = ancestors.length > 0
      ? ancestors.some((sources) => !hasSource(sources, isBroadSource))
      : tokens.has('deny') || tokens.has('sameorigin');
    if (framingBlocked) return [];
    const facts = ancestors.length > 0
      ? `frame-ancestors ${ancestors.map((s) => s.join(' ')).join('; ')} allows any site (and overrides X-Frame-Options)`
      : xfo.length > 0
        ? `X-Frame-Options "${xfo.join(', ')}" is not DENY or SAMEORIGIN, and no Content-Security-Policy frame-ancestors`
        : 'no X-Frame-Options header, and no Content-Security-Policy frame-ancestors';
    return [{
      detail: `${page.finalUrl} can be framed by any site: ${facts}.`,
      evidence: { header: 'x-frame-options', value: xfo.length > 0 ? xfo.join(', ') : null, frameAncestors: ancestors.map((s) => s.join(' ')) },
    }];
  },
};
