import { canonicalRelative } from '../../../../src/checks/seo/canonical-relative.ts';
import { html, seo } from './fixtures.ts';

const withCanonical = (href: string) => seo({ html: html(`<link rel="canonical" href="${href}">`) });

describe('seo.canonical_relative', () => {
  it('flags a relative canonical with the href as written', () => {
    const [finding] = canonicalRelative.evaluate(withCanonical('/products/widget'));
    expect(finding?.detail).toBe('The canonical link is not absolute: "/products/widget".');
    expect(finding?.evidence).toEqual({ url: 'https://example.com/', hrefs: ['/products/widget'] });
  });

  it.each(['//example.com/', '', 'products/widget', 'example.com/'])('flags %j', (href) => {
    expect(canonicalRelative.evaluate(withCanonical(href))).toHaveLength(1);
  });

  it('flags a relative canonical in a Link header', () => {
    expect(canonicalRelative.evaluate(seo({ html: html(''), headers: { link: '</products>; rel="canonical"' } }))).toHaveLength(1);
  });

  it.each(['https://example.com/', 'HTTP://Example.com/page?x=1', ' https://example.com/padded '])('passes absolute %j', (href) => {
    expect(canonicalRelative.evaluate(withCanonical(href))).toEqual([]);
  });

  it('says nothing without a canonical', () => {
    expect(canonicalRelative.evaluate(seo({ html: html('') }))).toEqual([]);
  });
});
