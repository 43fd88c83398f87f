import { clickjacking } from '../../../../src/checks/security/clickjacking.ts';
import type { HeaderMap } from '../../../../src/checks/artifacts.ts';
import { page } from '../../../support/artifacts.ts';
import { html, run } from './run.ts';

describe('security.clickjacking', () => {
  test('reports a page with neither header', () => {
    const [finding, ...rest] = run(clickjacking, page({ url: 'https://example.com/login' }));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ title: 'Page can be framed by other sites', severity: 'medium', verificationKey: 'security_header_xfo' });
    expect(finding?.description).toContain('https://example.com/login');
    expect(finding?.description).toContain('no X-Frame-Options header, and no Content-Security-Policy frame-ancestors');
    expect(finding?.evidence).toEqual({ header: 'x-frame-options', value: null, frameAncestors: [] });
  });

  test.each(['ALLOW-FROM https://partner.example', 'ALLOWALL', 'yes please', ''])('an invalid X-Frame-Options %p counts as missing', (value) => {
    const [finding] = run(clickjacking, page({ headers: { 'x-frame-options': value } }));
    expect(finding?.description).toContain(`X-Frame-Options "${value}" is not DENY or SAMEORIGIN`);
    expect(finding?.evidence).toMatchObject({ value });
  });

  test.each(['frame-ancestors *', 'frame-ancestors https:', 'frame-ancestors http:', 'frame-ancestors https://*'])('reports %p, which allows any site and overrides X-Frame-Options', (value) => {
    const [finding] = run(clickjacking, page({ headers: { 'content-security-policy': value, 'x-frame-options': 'DENY' } }));
    expect(finding?.description).toContain(`${value} allows any site`);
    expect(finding?.evidence).toEqual({ header: 'x-frame-options', value: 'DENY', frameAncestors: [value.replace('frame-ancestors ', '')] });
  });

  test('frame-ancestors in a meta policy does not count', () => {
    const meta = html(`<meta http-equiv="Content-Security-Policy" content="frame-ancestors 'none'">`);
    expect(run(clickjacking, page({ html: meta }))).toHaveLength(1);
  });

  test.each<HeaderMap>([
    { 'x-frame-options': 'DENY' },
    { 'x-frame-options': 'sameorigin' },
    { 'x-frame-options': ' SameOrigin ' },
    { 'x-frame-options': ['DENY', 'DENY'] },
    // HTML blocks framing on a confused list that names DENY or SAMEORIGIN.
    { 'x-frame-options': 'DENY, SAMEORIGIN' },
    { 'content-security-policy': "frame-ancestors 'none'" },
    { 'content-security-policy': "default-src 'self'; frame-ancestors 'self' https://partner.example" },
    { 'x-frame-options': 'ALLOW-FROM https://partner.example', 'content-security-policy': 'frame-ancestors https://partner.example' },
  ])('passes %p', (headers) => {
    expect(run(clickjacking, page({ headers }))).toEqual([]);
  });
});
