import { cspBaseUri } from '../../../../src/checks/security/csp-base-uri.ts';
import { page } from '../../../support/artifacts.ts';
import { html, run } from './run.ts';

const csp = (value: string | string[]) => page({ headers: { 'content-security-policy': value } });

describe('security.csp_base_uri_missing', () => {
  test.each(["default-src 'none'", "script-src 'nonce-abc' 'strict-dynamic'; object-src 'none'"])('reports %p', (value) => {
    const [finding, ...rest] = run(cspBaseUri, csp(value));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ title: 'CSP does not restrict the base URI', severity: 'low', verificationKey: 'security_header_csp' });
    expect(finding?.description).toContain(value);
    expect(finding?.evidence).toMatchObject({ policies: [{ source: 'header', value }] });
  });

  test.each(["base-uri 'none'", "default-src 'none'; BASE-URI 'self'"])('passes %p', (value) => {
    expect(run(cspBaseUri, csp(value))).toEqual([]);
  });

  test('one policy with base-uri is enough, meta included', () => {
    expect(run(cspBaseUri, csp(["script-src 'self'", "base-uri 'self'"]))).toEqual([]);
    expect(run(cspBaseUri, page({ html: html(`<meta http-equiv="Content-Security-Policy" content="base-uri 'none'">`) }))).toEqual([]);
  });

  test('leaves a page without a policy to the missing check', () => {
    expect(run(cspBaseUri, page())).toEqual([]);
  });
});
