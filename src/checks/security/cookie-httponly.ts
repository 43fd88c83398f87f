import type { SecurityArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { cookieDetections, cookies } from './parse.ts';

const SESSION_LIKE = /sess|sid|auth|token|jwt|login|remember/i;

export const cookieHttpOnly: Check<SecurityArtifacts> = {
  id: 'security.session_cookie_without_httponly',
  domain: 'security',
  title: 'Session cookies readable by scripts',
  description:
    'Cookies whose names suggest a session or credential (sess, sid, auth, token, jwt, login, remember) are ' +
    'set without HttpOnly, so any script on the page, injected ones included, can read and exfiltrate them.',
  severity: 'medium',
  effort: 25,
  verificationKey: 'security_cookie_flags',
  fix: {
    summary: 'Add the HttpOnly attribute to session and authentication cookies.',
    steps: [
      'Set HttpOnly on each session or token cookie (e.g. cookie option httpOnly: true).',
      'If front-end code reads the token, move it to a server-side session or a separate non-sensitive cookie.',
    ],
  },
  evaluate({ page }) {
    const names = cookies(page).filter((c) => SESSION_LIKE.test(c.name) && !c.httpOnly).map((c) => c.name);
    return cookieDetections(names, 'Session-like cookies set without HttpOnly');
  },
};
