import { hstsShortMaxAge } from '../../../../src/checks/security/hsts-short-max-age.ts';
import { page } from '../../../support/artifacts.ts';
import { run } from './run.ts';

const hsts = (value: string, url = 'https://example.com/') => page({ url, headers: { 'strict-transport-security': value } });

describe('security.hsts_short_max_age', () => {
  test.each([
    ['max-age=86400', 86_400],
    ['max-age=15767999; includeSubDomains', 15_767_999],
    ['max-age=15552000', 15_552_000],
    ['max-age="300"', 300],
  ])('reports %p', (value, maxAge) => {
    const [finding, ...rest] = run(hstsShortMaxAge, hsts(value));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ title: 'HSTS max-age shorter than six months', severity: 'medium', verificationKey: 'security_header_hsts' });
    expect(finding?.description).toContain(`max-age=${maxAge}`);
    expect(finding?.evidence).toMatchObject({ header: 'strict-transport-security', maxAge });
  });

  test.each(['max-age=15768000', 'max-age=63072000; includeSubDomains; preload', 'max-age=31536000'])('passes %p', (value) => {
    expect(run(hstsShortMaxAge, hsts(value))).toEqual([]);
  });

  test('leaves absent, invalid and zero max-age to the missing check', () => {
    expect(run(hstsShortMaxAge, page())).toEqual([]);
    expect(run(hstsShortMaxAge, hsts('includeSubDomains'))).toEqual([]);
    expect(run(hstsShortMaxAge, hsts('max-age=0'))).toEqual([]);
  });

  test('does not apply to HTTP pages', () => {
    expect(run(hstsShortMaxAge, hsts('max-age=60', 'http://example.com/'))).toEqual([]);
  });
});
