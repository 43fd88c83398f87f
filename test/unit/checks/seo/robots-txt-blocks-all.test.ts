import { robotsTxtBlocksAll } from '../../../../src/checks/seo/robots-txt-blocks-all.ts';
import { probe } from '../../../support/artifacts.ts';
import { seo } from './fixtures.ts';

const url = 'https://example.com/robots.txt';
const withRobots = (body: string, status = 200, pageUrl = 'https://example.com/products') =>
  seo({ url: pageUrl, robotsTxt: probe(url, status, body) });

describe('seo.robots_txt_blocks_all', () => {
  it('flags User-agent: * with Disallow: / and names the rule', () => {
    const [finding] = robotsTxtBlocksAll.evaluate(withRobots('# staging\nUser-agent: *\nDisallow: /\n'));
    expect(finding?.detail).toBe('https://example.com/robots.txt disallows the whole site for all crawlers (line 3: Disallow: /).');
    expect(finding?.evidence).toEqual({
      url,
      pageUrl: 'https://example.com/products',
      line: 3,
      rule: 'Disallow: /',
      agents: ['*', 'Googlebot', 'bingbot'],
    });
  });

  it.each([
    ['any case and CRLF', 'user-agent: *\r\ndisallow: /\r\n'],
    ['a wildcard pattern', 'User-agent: *\nDisallow: /*\n'],
    ['a sitemap line besides', 'User-agent: *\nDisallow: /\nSitemap: https://example.com/sitemap.xml\n'],
  ])('flags %s', (_, body) => {
    expect(robotsTxtBlocksAll.evaluate(withRobots(body))).toHaveLength(1);
  });

  it.each([
    ['an empty Disallow', 'User-agent: *\nDisallow:\n'],
    ['a partial Disallow', 'User-agent: *\nDisallow: /admin\n'],
    ['a block for one bot only', 'User-agent: BadBot\nDisallow: /\n'],
    ['Googlebot let in by its own group', 'User-agent: Googlebot\nAllow: /\n\nUser-agent: *\nDisallow: /\n'],
    ['the scanned page allowed', 'User-agent: *\nDisallow: /\nAllow: /products\n'],
    ['an empty file', ''],
  ])('passes %s', (_, body) => {
    expect(robotsTxtBlocksAll.evaluate(withRobots(body))).toEqual([]);
  });

  it('ignores a robots.txt that was not served', () => {
    expect(robotsTxtBlocksAll.evaluate(withRobots('User-agent: *\nDisallow: /\n', 404))).toEqual([]);
  });
});
