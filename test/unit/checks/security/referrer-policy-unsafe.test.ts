import { referrerPolicyUnsafe } from '../../../../src/checks/security/referrer-policy-unsafe.ts';
import { page } from '../../../support/artifacts.ts';
import { html, run } from './run.ts';

describe('security.referrer_policy_unsafe', () => {
  test.each([
    ['unsafe-url', page({ headers: { 'referrer-policy': 'unsafe-url' } })],
    ['no-referrer-when-downgrade', page({ headers: { 'referrer-policy': 'No-Referrer-When-Downgrade' } })],
    ['unsafe-url', page({ headers: { 'referrer-policy': 'no-referrer, unsafe-url' } })],
    ['unsafe-url', page({ headers: { 'referrer-policy': 'unsafe-url, made-up-policy' } })],
    ['unsafe-url', page({ headers: { 'referrer-policy': ['no-referrer', 'unsafe-url'] } })],
    ['unsafe-url', page({ html: html('<meta name="referrer" content="always">') })],
    ['no-referrer-when-downgrade', page({ headers: { 'referrer-policy': 'no-referrer' }, html: html('<meta name="referrer" content="no-referrer-when-downgrade">') })],
    // Both send the origin on an HTTPS→HTTP request, which the default policy does not.
    ['origin', page({ headers: { 'referrer-policy': 'origin' } })],
    ['origin-when-cross-origin', page({ headers: { 'referrer-policy': 'strict-origin, origin-when-cross-origin' } })],
  ])('reports %s in force', (policy, p) => {
    const [finding, ...rest] = run(referrerPolicyUnsafe, p);
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ title: 'Referrer-Policy leaks full URLs to other sites', severity: 'medium', verificationKey: 'security_header_referrer' });
    expect(finding?.description).toContain(`in force is ${policy}`);
    expect(finding?.evidence).toMatchObject({ header: 'referrer-policy', policy });
  });

  test.each([
    ['a safe header', page({ headers: { 'referrer-policy': 'strict-origin-when-cross-origin' } })],
    ['an unsafe value followed by a safe one', page({ headers: { 'referrer-policy': 'unsafe-url, same-origin' } })],
    ['an unsafe header overridden by a safe meta', page({ headers: { 'referrer-policy': 'unsafe-url' }, html: html('<meta name="referrer" content="strict-origin">') })],
    ['no policy (another check)', page()],
  ])('passes %s', (_, p) => {
    expect(run(referrerPolicyUnsafe, p)).toEqual([]);
  });
});
