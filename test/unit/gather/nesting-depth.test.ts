import { fetchHtmlPage, MAX_NESTING_DEPTH, MAX_PAGE_ELEMENTS, nestingDepth, PageUnavailable, pageStructure } from '../../../src/gather/html-page.ts';
import type { SafeFetcher } from '../../../src/gather/safe-fetch.ts';

describe('nestingDepth', () => {
  test('counts open elements, closing implied and void ones as HTML does', () => {
    expect(nestingDepth('<!doctype html><html><head><title>t</title></head><body><div><p>a<p>b<img><br></div></body></html>', 100)).toBe(5); // html body div p img
    expect(nestingDepth('<ul><li>a<li>b<li>c</ul>', 100)).toBe(2);
    expect(nestingDepth('', 100)).toBe(0);
  });

  test('a page of unclosed elements is as deep as it is long, and counting stops past the limit', () => {
    expect(nestingDepth('<div>'.repeat(300), 1_000)).toBe(300);
    // 5 MiB of unclosed <div>s: the count stops just past the limit instead of reading a million tags.
    expect(nestingDepth('<div>'.repeat(1_000_000), MAX_NESTING_DEPTH)).toBe(MAX_NESTING_DEPTH + 1);
    expect(nestingDepth('<h1><div>'.repeat(1_000), MAX_NESTING_DEPTH)).toBe(MAX_NESTING_DEPTH + 1);
  });

  test('a deep but closed structure counts its depth once', () => {
    const block = `${'<div>'.repeat(100)}x${'</div>'.repeat(100)}`;
    expect(nestingDepth(block.repeat(1_000), MAX_NESTING_DEPTH)).toBe(100);
  });
});

describe('pageStructure', () => {
  test('counts elements, closed or not, and stops counting past the limit', () => {
    expect(pageStructure('<ul><li>a<li>b<li>c</ul><img><br>', { depth: 100, elements: 100 })).toEqual({ depth: 2, elements: 6 });
    // 5 MiB of <p> (1.7 million elements): the count stops just past the limit.
    expect(pageStructure('<p>'.repeat(1_700_000), { depth: MAX_NESTING_DEPTH, elements: MAX_PAGE_ELEMENTS }).elements).toBe(MAX_PAGE_ELEMENTS + 1);
  });
});

describe('page capture (fetchHtmlPage) refuses what it cannot audit', () => {
  const serving = (html: string): SafeFetcher => ({
    fetchPage: async (url) => ({ url, status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: Buffer.from(html), redirects: [], timings: { totalMs: 1 } }),
    close: async () => undefined,
  });
  const elements = (count: number) => `<!doctype html><title>t</title>${'<i>x</i>'.repeat(count - 1)}`;

  test(`a page of more than ${MAX_PAGE_ELEMENTS} elements: PageTooComplex, not retried`, async () => {
    const refused = fetchHtmlPage(serving(elements(MAX_PAGE_ELEMENTS + 1)), 'https://example.com/');
    await expect(refused).rejects.toThrow(PageUnavailable);
    await expect(refused).rejects.toMatchObject({ type: 'PageTooComplex', permanent: true, message: `the page has more than ${MAX_PAGE_ELEMENTS} elements, more than it can be audited with` });
  });

  test('a page at the bounds is captured', async () => {
    await expect(fetchHtmlPage(serving(elements(MAX_PAGE_ELEMENTS)), 'https://example.com/')).resolves.toMatchObject({ page: { status: 200 } });
    const deep = `${'<div>'.repeat(MAX_NESTING_DEPTH)}${'</div>'.repeat(MAX_NESTING_DEPTH)}`;
    await expect(fetchHtmlPage(serving(deep), 'https://example.com/')).resolves.toMatchObject({ page: { status: 200 } });
  });

  test(`a page nesting deeper than ${MAX_NESTING_DEPTH} levels: PageTooComplex, not retried`, async () => {
    await expect(fetchHtmlPage(serving('<div>'.repeat(MAX_NESTING_DEPTH + 1)), 'https://example.com/')).rejects.toMatchObject({ type: 'PageTooComplex', permanent: true });
  });
});
