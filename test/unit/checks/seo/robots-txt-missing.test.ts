import { robotsTxtMissing } from '../../../../src/checks/seo/robots-txt-missing.ts';
import { probe } from '../../../support/artifacts.ts';
import { seo } from './fixtures.ts';

const url = 'https://example.com/robots.txt';

describe('seo.robots_txt_missing', () => {
  it('flags a 404 robots.txt', () => {
    const [finding] = robotsTxtMissing.evaluate(seo({ robotsTxt: probe(url, 404, 'Not found') }));
    expect(finding?.detail).toBe('https://example.com/robots.txt answered 404.');
    expect(finding?.evidence).toEqual({ url, status: 404, error: null });
  });

  it('flags a robots.txt that could not be fetched', () => {
    const [finding] = robotsTxtMissing.evaluate(seo({ robotsTxt: { ...probe(url, null), error: 'ECONNREFUSED' } }));
    expect(finding?.detail).toBe('https://example.com/robots.txt could not be fetched (ECONNREFUSED).');
    expect(finding?.evidence).toEqual({ url, status: null, error: 'ECONNREFUSED' });
  });

  it('flags other 4xx answers', () => {
    expect(robotsTxtMissing.evaluate(seo({ robotsTxt: probe(url, 410) }))).toHaveLength(1);
    expect(robotsTxtMissing.evaluate(seo({ robotsTxt: probe(url, 403) }))).toHaveLength(1);
  });

  it.each([200, 301, 503])('does not call a %s answer missing', (status) => {
    expect(robotsTxtMissing.evaluate(seo({ robotsTxt: probe(url, status, 'User-agent: *\nDisallow:\n') }))).toEqual([]);
  });
});
