import { noindex } from '../../../../src/checks/seo/noindex.ts';
import { html, seo } from './fixtures.ts';

const withMeta = (name: string, content: string) => seo({ html: html(`<meta name="${name}" content="${content}">`) });
const withHeader = (value: string | string[]) => seo({ headers: { 'x-robots-tag': value } });

describe('seo.noindex', () => {
  it('flags a robots meta noindex with its source', () => {
    const [finding] = noindex.evaluate(withMeta('robots', 'noindex, follow'));
    expect(finding?.detail).toBe('The page is marked noindex by <meta name="robots" content="noindex, follow">.');
    expect(finding?.evidence).toEqual({ url: 'https://example.com/', sources: ['<meta name="robots" content="noindex, follow">'] });
  });

  it.each([
    ['ROBOTS', 'NOINDEX'],
    ['robots', 'none'],
    ['robots', 'nofollow noindex'],
    ['googlebot', 'noindex'],
    ['BingBot', 'noindex'],
  ])('flags <meta name=%j content=%j>', (name, content) => {
    expect(noindex.evaluate(withMeta(name, content))).toHaveLength(1);
  });

  it('flags an X-Robots-Tag header, plain or for Googlebot', () => {
    const [finding] = noindex.evaluate(withHeader('noindex'));
    expect(finding?.detail).toBe('The page is marked noindex by X-Robots-Tag: noindex.');
    expect(noindex.evaluate(withHeader('googlebot: noindex, nofollow'))).toHaveLength(1);
    expect(noindex.evaluate(withHeader(['nofollow', 'NoIndex']))).toHaveLength(1);
  });

  it('lists meta tag and header together in one finding', () => {
    const artifacts = seo({ html: html('<meta name="robots" content="noindex">'), headers: { 'x-robots-tag': 'none' } });
    const findings = noindex.evaluate(artifacts);
    expect(findings).toHaveLength(1);
    expect(findings[0]?.evidence).toMatchObject({ sources: ['<meta name="robots" content="noindex">', 'X-Robots-Tag: none'] });
  });

  it.each([
    ['index, follow', () => withMeta('robots', 'index, follow')],
    ['nofollow only', () => withMeta('robots', 'nofollow')],
    ['a noindex for an unrelated bot', () => withMeta('otherbot', 'noindex')],
    ['a header for an unrelated bot', () => withHeader('otherbot: noindex')],
    ['an unavailable_after header', () => withHeader('unavailable_after: 25 Jun 2030 15:00:00 PST')],
    ['noindex mentioned in the description', () => withMeta('description', 'noindex')],
  ])('passes %s', (_, artifacts) => {
    expect(noindex.evaluate(artifacts())).toEqual([]);
  });
});
