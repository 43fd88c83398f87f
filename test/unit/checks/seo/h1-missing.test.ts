import { h1Missing } from '../../../../src/checks/seo/h1-missing.ts';
import { html, seo } from './fixtures.ts';

const withBody = (body: string) => seo({ html: html('<title>Acme widgets</title>', body) });

describe('seo.h1_missing', () => {
  it('flags a page without <h1>', () => {
    const [finding] = h1Missing.evaluate(withBody('<h2>Section</h2><div class="h1">Looks like a heading</div>'));
    expect(finding?.detail).toBe('The page has no <h1> element.');
    expect(finding?.evidence).toEqual({ url: 'https://example.com/', h1Count: 0 });
  });

  it('flags <h1> elements without visible text', () => {
    const [finding] = h1Missing.evaluate(withBody('<h1>  </h1><h1><script>var x = 1</script></h1>'));
    expect(finding?.detail).toBe('The page’s 2 <h1> element(s) have no visible text.');
  });

  it.each([
    ['text', '<h1>Widgets</h1>'],
    ['an image with alt text', '<h1><img src="/logo.png" alt="Acme"></h1>'],
    ['upper-case markup', '<H1>Widgets</H1>'],
    ['one empty and one filled', '<h1></h1><h1>Widgets</h1>'],
  ])('passes an <h1> with %s', (_, body) => {
    expect(h1Missing.evaluate(withBody(body))).toEqual([]);
  });
});
