import { canonicalCrossHost } from '../../../../src/checks/seo/canonical-cross-host.ts';
import { html, seo } from './fixtures.ts';

const withCanonical = (href: string, url = 'https://example.com/page') => seo({ url, html: html(`<link rel="canonical" href="${href}">`) });

describe('seo.canonical_cross_host', () => {
  it('flags a canonical on another host with both hosts', () => {
    const [finding] = canonicalCrossHost.evaluate(withCanonical('https://staging.example.com/page'));
    expect(finding?.detail).toBe('The canonical URL https://staging.example.com/page is on staging.example.com, the page on example.com.');
    expect(finding?.evidence).toEqual({
      url: 'https://example.com/page',
      canonical: 'https://staging.example.com/page',
      canonicalHost: 'staging.example.com',
      pageHost: 'example.com',
    });
  });

  it('flags www against apex', () => {
    expect(canonicalCrossHost.evaluate(withCanonical('https://www.example.com/page'))).toHaveLength(1);
  });

  it.each([
    ['the same host', 'https://example.com/other'],
    ['the same host in another case', 'https://EXAMPLE.com/page'],
    ['another scheme on the same host', 'http://example.com/page'],
    ['a relative href', '/page'],
  ])('passes %s', (_, href) => {
    expect(canonicalCrossHost.evaluate(withCanonical(href))).toEqual([]);
  });

  it('leaves conflicting canonicals to their own check', () => {
    const artifacts = seo({ html: html('<link rel="canonical" href="https://a.test/"><link rel="canonical" href="https://b.test/">') });
    expect(canonicalCrossHost.evaluate(artifacts)).toEqual([]);
  });
});
