import { viewportMissing } from '../../../../src/checks/seo/viewport-missing.ts';
import { html, seo } from './fixtures.ts';

describe('seo.viewport_missing', () => {
  it('flags a page without viewport meta tag', () => {
    const [finding] = viewportMissing.evaluate(seo({ html: html('<meta name="description" content="x">') }));
    expect(finding?.detail).toBe('The page has no <meta name="viewport">.');
    expect(finding?.evidence).toEqual({ url: 'https://example.com/' });
  });

  it.each([
    '<meta name="viewport" content="width=device-width">',
    '<meta name="Viewport" content="width=device-width">',
    '<meta name="viewport" content="width=1024">',
  ])('passes when the tag exists: %s', (head) => {
    expect(viewportMissing.evaluate(seo({ html: html(head) }))).toEqual([]);
  });
});
