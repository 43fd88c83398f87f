import { sitemapMissing } from '../../../../src/checks/seo/sitemap-missing.ts';
import { probe } from '../../../support/artifacts.ts';
import { goodRobotsTxt, goodSitemap, seo } from './fixtures.ts';

const sitemapUrl = 'https://example.com/sitemap.xml';
const robotsWithoutSitemap = probe('https://example.com/robots.txt', 200, 'User-agent: *\nDisallow:\n');

describe('seo.sitemap_missing', () => {
  it('flags no declared sitemap and a 404 at /sitemap.xml', () => {
    const [finding] = sitemapMissing.evaluate(seo({ robotsTxt: robotsWithoutSitemap, sitemap: probe(sitemapUrl, 404) }));
    expect(finding?.detail).toBe('robots.txt names no sitemap, and https://example.com/sitemap.xml answered 404.');
    expect(finding?.evidence).toEqual({ url: sitemapUrl, status: 404, declaredInRobotsTxt: [] });
  });

  it('flags a declared sitemap that does not answer', () => {
    const [finding] = sitemapMissing.evaluate(seo({ robotsTxt: goodRobotsTxt, sitemap: { ...probe(sitemapUrl, null), error: 'timeout' } }));
    expect(finding?.detail).toBe('robots.txt names https://example.com/sitemap.xml, which could not be fetched (timeout).');
    expect(finding?.evidence).toMatchObject({ declaredInRobotsTxt: [sitemapUrl] });
  });

  it('flags a 200 answer that is not XML (a soft 404 page)', () => {
    const sitemap = probe(sitemapUrl, 200, '<!doctype html><html><body>Not found</body></html>', { 'content-type': 'text/html' });
    const [finding] = sitemapMissing.evaluate(seo({ robotsTxt: probe('https://example.com/robots.txt', 404), sitemap }));
    expect(finding?.detail).toBe('robots.txt names no sitemap, and https://example.com/sitemap.xml answered 200 without XML.');
  });

  it.each([
    ['an XML declaration', goodSitemap.body],
    ['a bare urlset', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>'],
    ['a sitemap index after a BOM and blank lines', '\uFEFF\n\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></sitemapindex>'],
  ])('passes a 200 sitemap with %s', (_, body) => {
    expect(sitemapMissing.evaluate(seo({ robotsTxt: robotsWithoutSitemap, sitemap: probe(sitemapUrl, 200, body) }))).toEqual([]);
  });
});
