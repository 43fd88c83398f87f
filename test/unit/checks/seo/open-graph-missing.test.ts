import { openGraphMissing } from '../../../../src/checks/seo/open-graph-missing.ts';
import { html, seo } from './fixtures.ts';

const og = (tag: string, content = 'x') => `<meta property="${tag}" content="${content}">`;

describe('seo.open_graph_missing', () => {
  it('reports every missing tag in one finding', () => {
    const findings = openGraphMissing.evaluate(seo({ html: html('<title>Acme widgets</title>') }));
    expect(findings).toHaveLength(1);
    expect(findings[0]?.detail).toBe('The page lacks 4 of 4 Open Graph tags: og:title, og:description, og:image, og:url.');
    expect(findings[0]?.evidence).toEqual({ url: 'https://example.com/', missing: ['og:title', 'og:description', 'og:image', 'og:url'] });
  });

  it('reports only the missing ones, counting empty content as missing', () => {
    const [finding] = openGraphMissing.evaluate(seo({ html: html(og('og:title') + og('og:description', '  ') + og('og:url')) }));
    expect(finding?.evidence).toMatchObject({ missing: ['og:description', 'og:image'] });
  });

  it('accepts name= instead of property= and any case', () => {
    const head = '<meta name="og:title" content="x"><meta property="OG:Description" content="x">' + og('og:image') + og('og:url');
    expect(openGraphMissing.evaluate(seo({ html: html(head) }))).toEqual([]);
  });

  it('ignores Twitter tags and passes when all four are present', () => {
    expect(openGraphMissing.evaluate(seo({ html: html('<meta name="twitter:title" content="x">') }))).toHaveLength(1);
    expect(openGraphMissing.evaluate(seo({ html: html(og('og:title') + og('og:description') + og('og:image') + og('og:url')) }))).toEqual([]);
  });
});
