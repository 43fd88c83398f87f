import { cspBroadScriptSources } from '../../../../src/checks/security/csp-broad-script-sources.ts';
import { page } from '../../../support/artifacts.ts';
import { html, run } from './run.ts';

const csp = (value: string | string[]) => page({ headers: { 'content-security-policy': value } });

describe('security.csp_broad_script_sources', () => {
  test.each([
    "script-src *",
    "script-src 'self' https:",
    "script-src 'self' HTTP:",
    "default-src 'self' data:",
    "script-src 'nonce-abc' https:",
    "script-src https://*",
    "script-src 'self' ftp:",
    "script-src http://*.*:*",
    // On an HTTPS page, a script over plain HTTP or FTP can be replaced by anyone on the network.
    "default-src http://cdn.example.com",
    "script-src 'self' ftp://files.example.com",
  ])('reports %p', (value) => {
    const [finding, ...rest] = run(cspBroadScriptSources, csp(value));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ title: 'CSP allows scripts from any host', severity: 'high', verificationKey: 'security_header_csp' });
    expect(finding?.description).toContain(value);
    expect(finding?.evidence).toMatchObject({ header: 'content-security-policy', policies: [{ source: 'header', value }] });
  });

  test('reads a meta policy', () => {
    expect(run(cspBroadScriptSources, page({ html: html(`<meta http-equiv="content-security-policy" content="script-src https:">`) }))).toHaveLength(1);
  });

  test.each([
    "script-src 'self' https://cdn.example.com",
    "script-src *.example.com",
    "script-src 'nonce-abc' 'strict-dynamic' https: 'unsafe-inline'",
    "default-src *; script-src 'self'",
    "img-src *",
  ])('passes %p', (value) => {
    expect(run(cspBroadScriptSources, csp(value))).toEqual([]);
  });

  test('a plain-HTTP host is no downgrade for a page served over HTTP', () => {
    expect(run(cspBroadScriptSources, page({ url: 'http://example.com/', headers: { 'content-security-policy': 'script-src http://cdn.example.com' } }))).toEqual([]);
  });

  test('one narrow policy among several is enough', () => {
    expect(run(cspBroadScriptSources, csp(['script-src *', "script-src 'self'"]))).toEqual([]);
  });

  test('leaves a page without a policy to the missing check', () => {
    expect(run(cspBroadScriptSources, page())).toEqual([]);
  });
});
