import { h1Multiple } from '../../../../src/checks/seo/h1-multiple.ts';
import { html, seo } from './fixtures.ts';

const withBody = (body: string) => seo({ html: html('<title>Acme widgets</title>', body) });

describe('seo.h1_multiple', () => {
  it('flags several <h1> and lists their texts', () => {
    const [finding, ...rest] = h1Multiple.evaluate(withBody('<h1>Acme</h1><main><h1>Durable\n  widgets</h1></main><h1><img alt="Logo"></h1>'));
    expect(rest).toHaveLength(0);
    expect(finding?.detail).toBe('The page has 3 <h1> elements: "Acme", "Durable widgets", "Logo".');
    expect(finding?.evidence).toEqual({ url: 'https://example.com/', h1Count: 3, h1s: ['Acme', 'Durable widgets', 'Logo'] });
  });

  it('lists only the first few', () => {
    const [finding] = h1Multiple.evaluate(withBody(Array.from({ length: 7 }, (_, i) => `<h1>T${i}</h1>`).join('')));
    expect(finding?.detail).toBe('The page has 7 <h1> elements: "T0", "T1", "T2", "T3", "T4" and 2 more.');
  });

  it('passes one <h1>, and does not count empty ones', () => {
    expect(h1Multiple.evaluate(withBody('<h1>Widgets</h1><h2>More</h2>'))).toEqual([]);
    expect(h1Multiple.evaluate(withBody('<h1>Widgets</h1><h1> </h1>'))).toEqual([]);
  });
});
