import { cspObjectSrc } from '../../../../src/checks/security/csp-object-src.ts';
import { page } from '../../../support/artifacts.ts';
import { html, run } from './run.ts';

const csp = (value: string | string[]) => page({ headers: { 'content-security-policy': value } });

describe('security.csp_object_src_missing', () => {
  test.each([
    ["script-src 'self'", 'no object-src or default-src'],
    ['default-src *', 'default-src * allows *'],
    ["default-src 'self'; object-src https:", 'object-src https: allows https:'],
    ["script-src 'none'; object-src https://*", 'object-src https://* allows https://*'],
    ["default-src 'self' data:", "default-src 'self' data: allows data:"],
  ])('reports %p', (value, shown) => {
    const [finding, ...rest] = run(cspObjectSrc, csp(value));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ title: 'CSP does not restrict plugins', severity: 'medium', verificationKey: 'security_header_csp' });
    expect(finding?.description).toContain(shown);
    expect(finding?.evidence).toMatchObject({ policies: [{ source: 'header', value }] });
  });

  test.each([
    "script-src 'self'; object-src 'none'",
    "OBJECT-SRC 'none'",
    "default-src 'none'; script-src 'self'",
    "default-src 'NONE'",
    // object-src falls back to default-src, and an empty source list matches nothing.
    "default-src 'self'",
    "default-src 'none' 'self'; script-src 'self'",
    'default-src https://cdn.example.net',
    'default-src',
    "default-src *; object-src 'none'",
  ])('passes %p', (value) => {
    expect(run(cspObjectSrc, csp(value))).toEqual([]);
  });

  test('one policy restricting plugins is enough, meta included', () => {
    expect(run(cspObjectSrc, csp(["script-src 'self'", "object-src 'none'"]))).toEqual([]);
    const meta = html(`<meta http-equiv="Content-Security-Policy" content="object-src 'none'">`);
    expect(run(cspObjectSrc, page({ html: meta, headers: { 'content-security-policy': "script-src 'self'" } }))).toEqual([]);
  });

  test('leaves a page without a policy to the missing check', () => {
    expect(run(cspObjectSrc, page())).toEqual([]);
  });
});
