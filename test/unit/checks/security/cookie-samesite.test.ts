import { cookieSameSite } from '../../../../src/checks/security/cookie-samesite.ts';
import { page } from '../../../support/artifacts.ts';
import { run } from './run.ts';

const setCookie = (cookies: string[], url = 'https://example.com/') => page({ url, headers: { 'set-cookie': cookies } });

describe('security.cookie_samesite', () => {
  test('reports cookies without SameSite or None without Secure as low', () => {
    const [finding, ...rest] = run(cookieSameSite, setCookie([
      'a=1; Secure',
      'c=3; SameSite=None',
      'd=4; Secure; SameSite=None',
      'e=5; SameSite=Lax',
    ]));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ title: 'Cookies without a safe SameSite attribute', severity: 'low', verificationKey: 'security_cookie_flags' });
    expect(finding?.description).toContain('a, c');
    expect(finding?.evidence).toEqual({ header: 'set-cookie', cookies: ['a', 'c'] });
  });

  test('reports an invalid SameSite value and an anti-CSRF cookie without SameSite as medium', () => {
    const findings = run(cookieSameSite, setCookie([
      'b=2; Secure; SameSite=Sometimes',
      'f=6; Secure; SameSite=',
      'XSRF-TOKEN=7; Secure',
      'csrftoken=8; Secure; SameSite=Strict',
      'a=1; Secure',
    ]));
    expect(findings.map((f) => [f.severity, f.evidence])).toEqual([
      ['medium', { header: 'set-cookie', cookies: ['b', 'f', 'XSRF-TOKEN'] }],
      ['low', { header: 'set-cookie', cookies: ['a'] }],
    ]);
  });

  test('applies to HTTP pages too', () => {
    expect(run(cookieSameSite, setCookie(['a=1'], 'http://example.com/'))).toHaveLength(1);
  });

  test.each([[['a=1; SameSite=Strict', 'b=2; samesite=lax', 'c=3; Secure; SameSite=none']], [[]]])('passes %p', (cookies) => {
    expect(run(cookieSameSite, setCookie(cookies))).toEqual([]);
  });
});
