import { imageAltMissing } from '../../../../src/checks/seo/image-alt-missing.ts';
import { html, seo } from './fixtures.ts';

const withBody = (body: string) => seo({ html: html('<title>Acme widgets</title>', body) });

describe('seo.image_alt_missing', () => {
  it('flags images without alt with the count and their srcs', () => {
    const [finding, ...rest] = imageAltMissing.evaluate(withBody('<img src="/a.png"><img src="/b.png" alt="B"><img data-src="/lazy.png"><img>'));
    expect(rest).toHaveLength(0);
    expect(finding?.detail).toBe('3 image(s) have no alt attribute: /a.png, /lazy.png, (no src).');
    expect(finding?.evidence).toEqual({ url: 'https://example.com/', count: 3, srcs: ['/a.png', '/lazy.png', '(no src)'] });
  });

  it('lists only the first few srcs in the detail, and ten in the evidence', () => {
    const [finding] = imageAltMissing.evaluate(withBody(Array.from({ length: 12 }, (_, i) => `<img src="/${i}.png">`).join('')));
    expect(finding?.detail).toBe('12 image(s) have no alt attribute: /0.png, /1.png, /2.png, /3.png, /4.png and 7 more.');
    expect(finding?.evidence).toMatchObject({ count: 12 });
    expect((finding?.evidence['srcs'] as string[]).length).toBe(10);
  });

  it.each([
    ['decorative alt=""', '<img src="/divider.png" alt="">'],
    ['a bare alt attribute', '<img src="/divider.png" alt>'],
    ['upper-case ALT', '<IMG SRC="/a.png" ALT="A">'],
    ['no images', '<p>Text</p>'],
  ])('passes %s', (_, body) => {
    expect(imageAltMissing.evaluate(withBody(body))).toEqual([]);
  });
});
