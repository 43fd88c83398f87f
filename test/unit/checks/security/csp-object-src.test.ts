import { cspObjectSrc } from '../../../../src/checks/security/csp-object-src.ts';
import { page } from '../../../support/artifacts.ts';
import { html, run } from './run.ts';

const csp = (value: string | string[]) => page({ headers: { 'content-security-policy': value } });

describe('security.csp_object_src_missing', () => {
  test.each([
    ["script-src 'self'", 'no object-src or default-src'],
    ["default-src 'self'", "default-src 'self' and no object-src"],
    ["default-src 'none' 'self'; script-src 'self'", "default-src 'none' 'self' and no object-src"],
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
