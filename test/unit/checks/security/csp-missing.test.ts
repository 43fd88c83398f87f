import { cspMissing } from '../../../../src/checks/security/csp-missing.ts';
import { page } from '../../../support/artifacts.ts';
import { html, run } from './run.ts';

describe('security.csp_missing', () => {
  test('reports a page without any policy', () => {
    const [finding, ...rest] = run(cspMissing, page({ url: 'https://example.com/x' }));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ title: 'Content-Security-Policy missing', severity: 'high', verificationKey: 'security_header_csp' });
    expect(finding?.description).toContain('https://example.com/x');
    expect(finding?.evidence).toMatchObject({ header: 'content-security-policy', value: null, reportOnly: null });
  });

  test('a Report-Only policy alone still counts as missing, and says so', () => {
    const value = "default-src 'self'";
    const [finding] = run(cspMissing, page({ headers: { 'content-security-policy-report-only': value } }));
    expect(finding?.description).toContain('Report-Only');
    expect(finding?.description).toContain(value);
    expect(finding?.evidence).toMatchObject({ reportOnly: [value] });
  });

  test('an empty header, or a meta outside the head, counts as missing', () => {
    expect(run(cspMissing, page({ headers: { 'content-security-policy': ' ; ' } }))).toHaveLength(1);
    const inBody = html('', `<meta http-equiv="Content-Security-Policy" content="default-src 'self'">`);
    expect(run(cspMissing, page({ html: inBody }))).toHaveLength(1);
  });

  test('a meta policy of only directives a meta cannot carry counts as missing', () => {
    const meta = html(`<meta http-equiv="Content-Security-Policy" content="frame-ancestors 'none'; report-uri /r; sandbox">`);
    expect(run(cspMissing, page({ html: meta }))).toHaveLength(1);
  });

  test.each([
    ['a header', page({ headers: { 'content-security-policy': "default-src 'self'" } })],
    ['an http page with a header', page({ url: 'http://example.com/', headers: { 'content-security-policy': "script-src 'self'" } })],
    ['a meta tag', page({ html: html(`<meta http-equiv="Content-Security-Policy" content="default-src 'self'">`) })],
    ['a meta tag in other case', page({ html: html(`<META HTTP-EQUIV="content-security-policy" CONTENT="script-src 'none'">`) })],
  ])('passes a policy in %s', (_, p) => {
    expect(run(cspMissing, p)).toEqual([]);
  });
});
