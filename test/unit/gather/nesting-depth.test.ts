import { MAX_NESTING_DEPTH, nestingDepth } from '../../../src/gather/html-page.ts';

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
