import { canonicalConflicting } from '../../../../src/checks/seo/canonical-conflicting.ts';
import { html, seo } from './fixtures.ts';

const withHead = (head: string, headers = {}) => seo({ html: html(head), headers });

describe('seo.canonical_conflicting', () => {
  it('flags canonicals pointing to different URLs', () => {
    const [finding] = canonicalConflicting.evaluate(
      withHead('<link rel="canonical" href="https://example.com/a"><link rel="canonical" href="https://example.com/b">'),
    );
    expect(finding?.detail).toBe('The page declares 2 different canonical URLs: https://example.com/a, https://example.com/b.');
    expect(finding?.evidence).toEqual({ url: 'https://example.com/', canonicals: ['https://example.com/a', 'https://example.com/b'] });
  });

  it('flags a Link header that contradicts the element', () => {
    const artifacts = withHead('<link rel="canonical" href="https://example.com/a">', { link: '<https://example.com/b>; rel=canonical' });
    expect(canonicalConflicting.evaluate(artifacts)).toHaveLength(1);
  });

  it.each([
    ['one canonical', '<link rel="canonical" href="https://example.com/a">'],
    ['the same URL twice', '<link rel="canonical" href="https://example.com/a"><link rel="canonical" href="https://example.com/a">'],
    ['a relative and an absolute form of the same URL', '<link rel="canonical" href="/a"><link rel="canonical" href="https://example.com/a">'],
    ['no canonical', ''],
  ])('passes %s', (_, head) => {
    expect(canonicalConflicting.evaluate(withHead(head))).toEqual([]);
  });
});
