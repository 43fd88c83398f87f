import { cspFormAction } from '../../../../src/checks/security/csp-form-action.ts';
import { page } from '../../../support/artifacts.ts';
import { html, run } from './run.ts';

const csp = (value: string | string[]) => page({ headers: { 'content-security-policy': value } });

describe('security.csp_form_action', () => {
  test.each([
    // form-action does not fall back to default-src.
    ["default-src 'none'", 'has no form-action directive'],
    ['default-src *', 'has no form-action directive'],
    ['form-action https:', 'form-action https:'],
    ["default-src 'self'; form-action *", 'form-action *'],
  ])('reports %p', (value, shown) => {
    const [finding, ...rest] = run(cspFormAction, csp(value));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ title: 'CSP does not restrict form targets', severity: 'low', verificationKey: 'security_header_csp' });
    expect(finding?.description).toContain(shown);
    expect(finding?.evidence).toMatchObject({ policies: [{ source: 'header', value }] });
  });

  test.each(["default-src *; form-action 'none'", "form-action 'self'", "FORM-ACTION 'self' https://pay.example.com"])('passes %p', (value) => {
    expect(run(cspFormAction, csp(value))).toEqual([]);
  });

  test('one restrictive policy is enough, meta included', () => {
    expect(run(cspFormAction, csp(['default-src *', "form-action 'self'"]))).toEqual([]);
    expect(run(cspFormAction, page({ html: html(`<meta http-equiv="Content-Security-Policy" content="form-action 'self'">`), headers: { 'content-security-policy': "default-src 'self'" } }))).toEqual([]);
  });

  test('leaves a page without a policy to the missing check', () => {
    expect(run(cspFormAction, page())).toEqual([]);
  });
});
