import { cookieSecure } from '../../../../src/checks/security/cookie-secure.ts';
import { page } from '../../../support/artifacts.ts';
import { run } from './run.ts';

const setCookie = (cookies: string[], url = 'https://example.com/') => page({ url, headers: { 'set-cookie': cookies } });

describe('security.cookie_without_secure', () => {
  test('reports the cookies without Secure, by name only, once each', () => {
    const [finding, ...rest] = run(cookieSecure, setCookie([
      'sid=s3cr3t-value; Path=/; HttpOnly',
      'prefs=dark; Max-Age=3600',
      'sid=other-value; Path=/app',
      'ok=1; Secure',
    ]));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ title: 'Cookies set without the Secure attribute', severity: 'medium', verificationKey: 'security_cookie_flags' });
    expect(finding?.description).toContain('sid, prefs');
    expect(finding?.description).not.toContain('s3cr3t');
    expect(finding?.evidence).toEqual({ header: 'set-cookie', cookies: ['sid', 'prefs'] });
  });

  test('reads a single header given as a string', () => {
    expect(run(cookieSecure, page({ headers: { 'set-cookie': 'a=1' } }))).toHaveLength(1);
  });

  test.each([[['a=1; Secure', 'b=2; secure; HttpOnly', 'c=3;SECURE']], [[]]])('passes %p', (cookies) => {
    expect(run(cookieSecure, setCookie(cookies))).toEqual([]);
  });

  test('does not apply to HTTP pages', () => {
    expect(run(cookieSecure, setCookie(['a=1'], 'http://example.com/'))).toEqual([]);
  });
});
