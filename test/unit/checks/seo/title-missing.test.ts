import { titleMissing } from '../../../../src/checks/seo/title-missing.ts';
import { html, seo } from './fixtures.ts';

describe('seo.title_missing', () => {
  it('flags a page without <title>', () => {
    const [finding, ...rest] = titleMissing.evaluate(seo({ html: html('<meta charset="utf-8">') }));
    expect(rest).toHaveLength(0);
    expect(finding?.detail).toBe('The page has no <title> element.');
    expect(finding?.evidence).toEqual({ url: 'https://example.com/', title: null });
  });

  it.each(['<title></title>', '<title>  \n\t </title>'])('flags an empty or whitespace title: %j', (head) => {
    const [finding] = titleMissing.evaluate(seo({ html: html(head) }));
    expect(finding?.detail).toMatch(/empty or only whitespace/);
    expect(finding?.evidence).toMatchObject({ title: '' });
  });

  it('does not take an inline SVG <title> for the page title', () => {
    expect(titleMissing.evaluate(seo({ html: html('', '<svg><title>Icon</title></svg>') }))).toHaveLength(1);
  });

  it('passes a page with a title, even one written in <body>', () => {
    expect(titleMissing.evaluate(seo({ html: html('<title>Acme widgets for everyone</title>') }))).toEqual([]);
    expect(titleMissing.evaluate(seo({ html: html('', '<title>Acme widgets</title>') }))).toEqual([]);
  });
});
