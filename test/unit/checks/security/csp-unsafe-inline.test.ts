import { cspUnsafeInline } from '../../../../src/checks/security/csp-unsafe-inline.ts';
import { page } from '../../../support/artifacts.ts';
import { html, run } from './run.ts';

const csp = (value: string | string[]) => page({ headers: { 'content-security-policy': value } });

describe('security.csp_unsafe_inline', () => {
  test.each([
    ["script-src 'self' 'unsafe-inline'", "script-src 'self' 'unsafe-inline'"],
    ["default-src 'self' 'UNSAFE-INLINE'; object-src 'none'", "default-src 'self' 'UNSAFE-INLINE'"],
    ["default-src 'none'; script-src 'unsafe-inline'; script-src 'nonce-abc'", "script-src 'unsafe-inline'"],
    ["object-src 'none'; base-uri 'none'", 'neither script-src nor default-src'],
  ])('reports %p', (value, shown) => {
    const [finding, ...rest] = run(cspUnsafeInline, csp(value));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ title: 'CSP allows inline scripts', severity: 'high', verificationKey: 'security_header_csp' });
    expect(finding?.description).toContain(shown);
    expect(finding?.evidence).toEqual({ header: 'content-security-policy', policies: [{ source: 'header', value }] });
  });

  test('reads a meta policy', () => {
    const [finding] = run(cspUnsafeInline, page({ html: html(`<meta http-equiv="Content-Security-Policy" content="script-src * 'unsafe-inline'">`) }));
    expect(finding?.evidence).toMatchObject({ policies: [{ source: 'meta', value: "script-src * 'unsafe-inline'" }] });
  });

  test.each([
    "script-src 'self'",
    "default-src 'self'",
    "script-src 'nonce-r4nd0m' 'unsafe-inline' https:",
    "script-src 'sha256-abc=' 'unsafe-inline'",
    "script-src 'strict-dynamic' 'unsafe-inline'",
    "default-src 'unsafe-inline'; script-src 'self'",
  ])('passes %p', (value) => {
    expect(run(cspUnsafeInline, csp(value))).toEqual([]);
  });

  test('one sound policy among several is enough, whether in separate headers or comma-joined', () => {
    expect(run(cspUnsafeInline, csp(["script-src 'unsafe-inline'", "script-src 'self'"]))).toEqual([]);
    expect(run(cspUnsafeInline, csp("script-src 'unsafe-inline', script-src 'self'"))).toEqual([]);
    const [finding] = run(cspUnsafeInline, csp(["script-src 'unsafe-inline'", "frame-ancestors 'none'"]));
    expect(finding?.description).toContain("script-src 'unsafe-inline'; neither script-src nor default-src");
  });

  test('leaves a page without a policy to the missing check', () => {
    expect(run(cspUnsafeInline, page())).toEqual([]);
    expect(run(cspUnsafeInline, page({ headers: { 'content-security-policy-report-only': "script-src 'unsafe-inline'" } }))).toEqual([]);
  });
});
