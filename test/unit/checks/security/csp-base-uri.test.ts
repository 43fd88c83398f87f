import { cspBaseUri } from '../../../../src/checks/security/csp-base-uri.ts';
import { page } from '../../../support/artifacts.ts';
import { html, run } from './run.ts';

const csp = (value: string | string[]) => page({ headers: { 'content-security-policy': value } });

describe('security.csp_base_uri_missing', () => {
  test.each(["script-src 'nonce-abc' 'strict-dynamic'; object-src 'none'", "default-src 'sha256-abc='"])('reports %p', (value) => {
    const [finding, ...rest] = run(cspBaseUri, csp(value));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ title: 'CSP does not restrict the base URI', severity: 'low', verificationKey: 'security_header_csp' });
    expect(finding?.description).toContain(value);
    expect(finding?.evidence).toMatchObject({ policies: [{ source: 'header', value }] });
  });

  test.each(["default-src 'self'; base-uri *", "base-uri https:", "script-src 'nonce-abc'; base-uri https://*"])('reports the broad base-uri of %p on any policy', (value) => {
    const [finding, ...rest] = run(cspBaseUri, csp(value));
    expect(rest).toEqual([]);
    expect(finding?.description).toContain(`allows a <base> pointing at any host: ${value.slice(value.indexOf('base-uri'))}`);
  });

  // A <base> cannot redirect host-list scripts anywhere the list does not allow.
  test.each(["base-uri 'none'", "default-src 'none'; BASE-URI 'self'", "default-src 'none'", "script-src 'self' https://cdn.example.net", "script-src 'nonce-abc'; base-uri https://example.com"])('passes %p', (value) => {
    expect(run(cspBaseUri, csp(value))).toEqual([]);
  });

  test('one policy with base-uri is enough, meta included', () => {
    expect(run(cspBaseUri, csp(["script-src 'nonce-abc'", "base-uri 'self'"]))).toEqual([]);
    expect(run(cspBaseUri, page({ html: html(`<meta http-equiv="Content-Security-Policy" content="base-uri 'none'">`) }))).toEqual([]);
  });

  test('leaves a page without a policy to the missing check', () => {
    expect(run(cspBaseUri, page())).toEqual([]);
  });
});
