import { cookieHttpOnly } from '../../../../src/checks/security/cookie-httponly.ts';
import { page } from '../../../support/artifacts.ts';
import { run } from './run.ts';

const setCookie = (cookies: string[], url = 'https://example.com/') => page({ url, headers: { 'set-cookie': cookies } });

describe('security.session_cookie_without_httponly', () => {
  test('reports session-like cookies without HttpOnly, by name only', () => {
    const [finding, ...rest] = run(cookieHttpOnly, setCookie([
      'PHPSESSID=abc123; Path=/; Secure',
      'auth_token=eyJhbGciOi; Secure',
      'remember_me=1; Secure; SameSite=Lax',
      'theme=dark; Secure',
      'connect.sid=xyz; Secure; HttpOnly',
    ]));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ title: 'Session cookies readable by scripts', severity: 'medium', verificationKey: 'security_cookie_flags' });
    expect(finding?.description).toContain('PHPSESSID, auth_token, remember_me');
    expect(finding?.description).not.toContain('abc123');
    expect(finding?.evidence).toEqual({ header: 'set-cookie', cookies: ['PHPSESSID', 'auth_token', 'remember_me'] });
  });

  test('applies to HTTP pages too', () => {
    expect(run(cookieHttpOnly, setCookie(['JWT=x'], 'http://example.com/'))).toHaveLength(1);
  });

  test.each([[['sessionid=1; HttpOnly', 'Login=2; httponly', 'theme=dark', 'lang=en']], [[]]])('passes %p', (cookies) => {
    expect(run(cookieHttpOnly, setCookie(cookies))).toEqual([]);
  });
});
