import { cookieSameSite } from '../../../../src/checks/security/cookie-samesite.ts';
import { page } from '../../../support/artifacts.ts';
import { run } from './run.ts';

const setCookie = (cookies: string[], url = 'https://example.com/') => page({ url, headers: { 'set-cookie': cookies } });

describe('security.cookie_samesite', () => {
  test('reports cookies without SameSite, with an invalid one, or None without Secure', () => {
    const [finding, ...rest] = run(cookieSameSite, setCookie([
      'a=1; Secure',
      'b=2; Secure; SameSite=Sometimes',
      'c=3; SameSite=None',
      'd=4; Secure; SameSite=None',
      'e=5; SameSite=Lax',
    ]));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ title: 'Cookies without a safe SameSite attribute', severity: 'low', verificationKey: 'security_cookie_flags' });
    expect(finding?.description).toContain('a, b, c');
    expect(finding?.evidence).toEqual({ header: 'set-cookie', cookies: ['a', 'b', 'c'] });
  });

  test('applies to HTTP pages too', () => {
    expect(run(cookieSameSite, setCookie(['a=1'], 'http://example.com/'))).toHaveLength(1);
  });

  test.each([[['a=1; SameSite=Strict', 'b=2; samesite=lax', 'c=3; Secure; SameSite=none']], [[]]])('passes %p', (cookies) => {
    expect(run(cookieSameSite, setCookie(cookies))).toEqual([]);
  });
});
