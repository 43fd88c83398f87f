import { cspUnsafeEval } from '../../../../src/checks/security/csp-unsafe-eval.ts';
import { page } from '../../../support/artifacts.ts';
import { run } from './run.ts';

const csp = (value: string | string[]) => page({ headers: { 'content-security-policy': value } });

describe('security.csp_unsafe_eval', () => {
  test.each([
    ["script-src 'self' 'unsafe-eval'", "script-src 'self' 'unsafe-eval'"],
    ["default-src 'self' 'Unsafe-Eval'", "default-src 'self' 'Unsafe-Eval'"],
    ["script-src 'nonce-abc' 'strict-dynamic' 'unsafe-eval'", "'strict-dynamic' 'unsafe-eval'"],
  ])('reports %p', (value, shown) => {
    const [finding, ...rest] = run(cspUnsafeEval, csp(value));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ title: 'CSP allows eval', severity: 'medium', verificationKey: 'security_header_csp' });
    expect(finding?.description).toContain(shown);
    expect(finding?.evidence).toMatchObject({ policies: [{ source: 'header', value }] });
  });

  test('a policy without script directives does not make eval safe', () => {
    const [finding] = run(cspUnsafeEval, csp(["frame-ancestors 'none'", "script-src 'unsafe-eval'"]));
    expect(finding?.description).toContain("script-src 'unsafe-eval'");
  });

  test.each([
    "script-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "default-src 'unsafe-eval'; script-src 'self'",
    // Unrestricted scripts are reported once, by the inline-script check.
    "object-src 'none'",
  ])('passes %p', (value) => {
    expect(run(cspUnsafeEval, csp(value))).toEqual([]);
  });

  test('one policy without unsafe-eval blocks eval', () => {
    expect(run(cspUnsafeEval, csp(["script-src 'unsafe-eval'", "script-src 'self'"]))).toEqual([]);
  });

  test('leaves a page without a policy to the missing check', () => {
    expect(run(cspUnsafeEval, page())).toEqual([]);
  });
});
