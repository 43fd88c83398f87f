import { gzipSync } from 'node:zlib';
import { extractLinks, parseSitemap, robotsRules } from '../../../src/gather/crawl-discovery.ts';

describe('crawl discovery', () => {
  it('takes links from a page, resolved against <base>, deduplicated, bounded', () => {
    const html = `<html><head><base href="/docs/"></head><body>
      <a href="a">A</a><A HREF="a#x">A again</A><a href="/b/">B</a><area href="https://other.test/x">
      <a href="mailto:x@y.z">mail</a><a>no href</a><a href="c?b=1&amp;a=2">C</a></body></html>`;
    expect(extractLinks(html, 'http://site.test/index')).toEqual([
      'http://site.test/docs/a',
      'http://site.test/b',
      'https://other.test/x',
      'http://site.test/docs/c?a=2&b=1',
    ]);
    const many = Array.from({ length: 50 }, (_, i) => `<a href="/p${i}">x</a>`).join('');
    expect(extractLinks(many, 'http://site.test/', 10)).toHaveLength(10);
  });

  it('reads sitemap indexes and url sets, gzipped too', () => {
    const index = `<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>http://site.test/s1.xml</loc></sitemap><sitemap><loc> http://site.test/s2.xml </loc></sitemap></sitemapindex>`;
    expect(parseSitemap(Buffer.from(index))).toEqual({ kind: 'index', locs: ['http://site.test/s1.xml', 'http://site.test/s2.xml'] });
    const urlset = `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://site.test/a?x=1&amp;y=2</loc></url></urlset>`;
    expect(parseSitemap(gzipSync(urlset))).toEqual({ kind: 'urlset', locs: ['http://site.test/a?x=1&y=2'] });
    expect(parseSitemap(Buffer.from('not xml at all')).locs).toEqual([]);
  });

  it('obeys robots.txt for its user agent, with its crawl-delay and sitemaps', () => {
    const rules = robotsRules('http://site.test/robots.txt', 'User-agent: *\nDisallow: /private\nCrawl-delay: 0.2\nSitemap: http://site.test/sitemap-index.xml\n\nUser-agent: OtherBot\nDisallow: /\n');
    expect(rules.isAllowed('http://site.test/private/x')).toBe(false);
    expect(rules.isAllowed('http://site.test/public')).toBe(true);
    expect(rules.crawlDelay).toBe(0.2);
    expect(rules.sitemaps).toEqual(['http://site.test/sitemap-index.xml']);
    expect(robotsRules('http://site.test/robots.txt', null).isAllowed('http://site.test/x')).toBe(true);
  });
});
