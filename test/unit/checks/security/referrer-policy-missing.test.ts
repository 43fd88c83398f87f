import { referrerPolicyMissing } from '../../../../src/checks/security/referrer-policy-missing.ts';
import { page } from '../../../support/artifacts.ts';
import { html, run } from './run.ts';

describe('security.referrer_policy_missing', () => {
  test('reports a page with no policy', () => {
    const [finding, ...rest] = run(referrerPolicyMissing, page({ url: 'https://example.com/r' }));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ title: 'Referrer-Policy missing', severity: 'low', verificationKey: 'security_header_referrer' });
    expect(finding?.description).toContain('https://example.com/r');
    expect(finding?.evidence).toEqual({ header: 'referrer-policy', declared: [] });
  });

  test('reports invalid values, naming them', () => {
    const [finding] = run(referrerPolicyMissing, page({ headers: { 'referrer-policy': 'strict, none' }, html: html('<meta name="referrer" content="bogus">') }));
    expect(finding?.description).toContain('"strict, none", "bogus"');
    expect(finding?.evidence).toEqual({ header: 'referrer-policy', declared: ['strict, none', 'bogus'] });
  });

  test('an unparseable header is medium; an absent one, or only a bad meta, stays low', () => {
    expect(run(referrerPolicyMissing, page({ headers: { 'referrer-policy': 'whimsy' } }))[0]?.severity).toBe('medium');
    expect(run(referrerPolicyMissing, page())[0]?.severity).toBe('low');
    expect(run(referrerPolicyMissing, page({ html: html('<meta name="referrer" content="no-referrer, same-origin">') }))[0]?.severity).toBe('low');
  });

  test.each([
    ['a header', page({ headers: { 'referrer-policy': 'no-referrer' } })],
    ['a header with an unknown token first', page({ headers: { 'referrer-policy': 'future-policy, strict-origin' } })],
    ['one of several headers', page({ headers: { 'referrer-policy': ['bogus', 'Same-Origin'] } })],
    ['a meta tag', page({ html: html('<meta name="referrer" content="strict-origin-when-cross-origin">') })],
    ['a meta tag in other case', page({ html: html('<META NAME="Referrer" CONTENT="No-Referrer">') })],
    ['a legacy meta keyword', page({ html: html('<meta name="referrer" content="never">') })],
    ['an unsafe policy (another check)', page({ headers: { 'referrer-policy': 'unsafe-url' } })],
  ])('passes %s', (_, p) => {
    expect(run(referrerPolicyMissing, p)).toEqual([]);
  });
});
