import { metaDescriptionMissing } from '../../../../src/checks/seo/meta-description-missing.ts';
import { html, seo } from './fixtures.ts';

describe('seo.meta_description_missing', () => {
  it('flags a page without a meta description', () => {
    const [finding] = metaDescriptionMissing.evaluate(seo({ html: html('<title>Acme widgets</title>') }));
    expect(finding?.detail).toBe('The page has no <meta name="description">.');
    expect(finding?.evidence).toEqual({ url: 'https://example.com/', description: null });
  });

  it.each(['<meta name="description" content="  ">', '<meta name="description">'])('flags an empty description: %s', (head) => {
    const [finding] = metaDescriptionMissing.evaluate(seo({ html: html(head) }));
    expect(finding?.detail).toMatch(/empty or only whitespace/);
  });

  it('matches the name in any case and ignores other meta tags', () => {
    expect(metaDescriptionMissing.evaluate(seo({ html: html('<meta NAME="Description" content="Widgets.">') }))).toEqual([]);
    expect(metaDescriptionMissing.evaluate(seo({ html: html('<meta property="og:description" content="Widgets.">') }))).toHaveLength(1);
  });
});
