import { hstsMissing } from '../../../../src/checks/security/hsts-missing.ts';
import { page } from '../../../support/artifacts.ts';
import { run } from './run.ts';

describe('security.hsts_missing', () => {
  test('reports an HTTPS page without the header', () => {
    const [finding, ...rest] = run(hstsMissing, page({ url: 'https://example.com/a' }));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ title: 'Strict-Transport-Security header missing', severity: 'high', verificationKey: 'security_header_hsts' });
    expect(finding?.description).toContain('https://example.com/a');
  });

  test.each([
    ['includeSubDomains', 'has no valid max-age'],
    ['max-age=abc', 'has no valid max-age'],
    ['max-age=0', 'max-age=0'],
  ])('reports the ineffective header %p', (value, why) => {
    const [finding] = run(hstsMissing, page({ headers: { 'strict-transport-security': value } }));
    expect(finding?.description).toContain(value);
    expect(finding?.description).toContain(why);
    expect(finding?.evidence).toEqual({ header: 'strict-transport-security', value });
  });

  test.each([
    'max-age=31536000',
    'MAX-AGE=63072000; includeSubDomains; preload',
    'max-age="31536000"',
    'max-age=60',
  ])('passes %p (a short max-age is another check)', (value) => {
    expect(run(hstsMissing, page({ headers: { 'strict-transport-security': value } }))).toEqual([]);
  });

  test('only the first of several headers counts', () => {
    expect(run(hstsMissing, page({ headers: { 'strict-transport-security': ['max-age=31536000', 'max-age=0'] } }))).toEqual([]);
    expect(run(hstsMissing, page({ headers: { 'strict-transport-security': ['max-age=0', 'max-age=31536000'] } }))).toHaveLength(1);
  });

  test('does not apply to HTTP pages', () => {
    expect(run(hstsMissing, page({ url: 'http://example.com/' }))).toEqual([]);
  });
});
