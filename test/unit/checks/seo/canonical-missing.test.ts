import { canonicalMissing } from '../../../../src/checks/seo/canonical-missing.ts';
import { html, seo } from './fixtures.ts';

describe('seo.canonical_missing', () => {
  it('flags a page without canonical', () => {
    const [finding] = canonicalMissing.evaluate(seo({ html: html('<link rel="alternate" href="https://example.com/de/">') }));
    expect(finding?.detail).toBe('The page https://example.com/ declares no canonical URL.');
    expect(finding?.evidence).toEqual({ url: 'https://example.com/' });
  });

  it.each([
    ['a link element', '<link rel="canonical" href="https://example.com/">'],
    ['upper-case rel among others', '<link rel="Canonical nofollow" href="https://example.com/">'],
    ['a relative href (seo.canonical_relative reports that)', '<link rel="canonical" href="/">'],
  ])('passes %s', (_, head) => {
    expect(canonicalMissing.evaluate(seo({ html: html(head) }))).toEqual([]);
  });

  it('accepts a canonical Link header', () => {
    const headers = { link: '<https://cdn.example.com/font.woff2>; rel=preload, <https://example.com/>; rel="canonical"' };
    expect(canonicalMissing.evaluate(seo({ html: html(''), headers }))).toEqual([]);
    expect(canonicalMissing.evaluate(seo({ html: html(''), headers: { link: '<https://example.com/next>; rel="next"' } }))).toHaveLength(1);
  });
});
