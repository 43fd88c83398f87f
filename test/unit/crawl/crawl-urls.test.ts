import { isSameSite, looksNonHtml, normaliseUrl, passesFilters, skipReason } from '../../../src/domain/crawl-urls.ts';
import { withAffectedUrl } from '../../../src/domain/affected-assets.ts';

describe('normaliseUrl', () => {
  it.each([
    ['HTTP://Example.COM:80/a/#top', 'http://example.com/a'],
    ['https://example.com:443/a/b/', 'https://example.com/a/b'],
    ['https://example.com/a/./c/../b', 'https://example.com/a/b'],
    ['https://example.com//a///b', 'https://example.com/a/b'],
    ['https://example.com/?', 'https://example.com/'],
    ['https://example.com/p?b=2&a=1&utm_source=x', 'https://example.com/p?a=1&b=2'],
    ['https://user:pw@example.com./p', 'https://example.com/p'],
    ['https://example.com/Case', 'https://example.com/Case'],
  ])('%s → %s', (input, expected) => {
    expect(normaliseUrl(input)).toBe(expected);
  });

  it('resolves relative links and refuses what is not http(s)', () => {
    expect(normaliseUrl('../x?z=1#f', 'https://example.com/a/b/c')).toBe('https://example.com/a/x?z=1');
    expect(normaliseUrl('mailto:a@example.com', 'https://example.com/')).toBeNull();
    expect(normaliseUrl('javascript:void(0)', 'https://example.com/')).toBeNull();
    expect(normaliseUrl(`https://example.com/${'a'.repeat(3000)}`)).toBeNull();
  });

  it('gives every duplicate form of a page one URL', () => {
    const forms = ['http://127.0.0.1:8080/p/1', 'http://127.0.0.1:8080/p/1/', 'http://127.0.0.1:8080/p/1#x', 'http://127.0.0.1:8080/p/./1', 'HTTP://127.0.0.1:8080/p//1'];
    expect(new Set(forms.map((f) => normaliseUrl(f))).size).toBe(1);
  });
});

describe('scope', () => {
  const scope = { siteOrigin: 'http://127.0.0.1:8080', maxDepth: 2, include: [], exclude: ['/private/**'], robotsAllows: (url: string) => !url.includes('/secret') };
  it('judges off-site, filters, robots, file types and depth, in that order', () => {
    expect(skipReason('http://127.0.0.1:9090/a', 0, scope)).toBe('off_site');
    expect(skipReason('https://127.0.0.1:8080/a', 0, scope)).toBe('off_site');
    expect(skipReason('http://127.0.0.1:8080/private/x', 0, scope)).toBe('excluded');
    expect(skipReason('http://127.0.0.1:8080/secret/x', 0, scope)).toBe('robots');
    expect(skipReason('http://127.0.0.1:8080/doc.PDF', 0, scope)).toBe('non_html');
    expect(skipReason('http://127.0.0.1:8080/a', 3, scope)).toBe('limit');
    expect(skipReason('http://127.0.0.1:8080/a', 2, scope)).toBeNull();
  });
  it('matches include globs against the path', () => {
    expect(passesFilters('https://e.com/blog/2024/post', ['/blog/**'], [])).toBe(true);
    expect(passesFilters('https://e.com/shop', ['/blog/**'], [])).toBe(false);
    expect(isSameSite('https://e.com/x', 'https://e.com')).toBe(true);
    expect(looksNonHtml('https://e.com/a.html')).toBe(false);
    expect(looksNonHtml('https://e.com/logo.png?v=1')).toBe(true);
  });
});

describe('affected assets', () => {
  it('adds a page once and keeps the most recent 50', () => {
    let assets: unknown = [];
    for (let i = 0; i < 70; i++) assets = withAffectedUrl(assets, `https://e.com/${i}`) ?? assets;
    const list = assets as Array<{ value: string }>;
    expect(list).toHaveLength(50);
    expect(list[0]!.value).toBe('https://e.com/20');
    expect(list.at(-1)!.value).toBe('https://e.com/69');
    expect(withAffectedUrl(list, 'https://e.com/69')).toBeNull();
  });
});
