import { headingLevelsSkipped } from '../../../../src/checks/seo/heading-levels-skipped.ts';
import { html, seo } from './fixtures.ts';

const withBody = (body: string) => seo({ html: html('<title>Acme widgets</title>', body) });

describe('seo.heading_levels_skipped', () => {
  it('flags a skipped level and lists the skips in document order', () => {
    const [finding] = headingLevelsSkipped.evaluate(withBody('<h1>A</h1><h2>B</h2><h4>C</h4><h2>D</h2><section><h5>E</h5></section>'));
    expect(finding?.detail).toBe('Heading levels are skipped 2 time(s): h2 → h4, h2 → h5.');
    expect(finding?.evidence).toEqual({
      url: 'https://example.com/',
      skipCount: 2,
      skips: [
        { from: 2, to: 4 },
        { from: 2, to: 5 },
      ],
    });
  });

  it('flags h1 → h3', () => {
    expect(headingLevelsSkipped.evaluate(withBody('<h1>A</h1><h3>B</h3>'))).toHaveLength(1);
  });

  it.each([
    ['an ordered outline', '<h1>A</h1><h2>B</h2><h3>C</h3><h3>D</h3><h2>E</h2>'],
    ['climbing back up several levels', '<h1>A</h1><h2>B</h2><h3>C</h3><h4>D</h4><h2>E</h2>'],
    ['no headings', '<p>Text</p>'],
    ['a page starting below h1 (seo.h1_missing reports that)', '<h2>A</h2><h3>B</h3>'],
  ])('passes %s', (_, body) => {
    expect(headingLevelsSkipped.evaluate(withBody(body))).toEqual([]);
  });
});
