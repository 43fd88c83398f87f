import { htmlLangMissing } from '../../../../src/checks/seo/html-lang-missing.ts';
import { html, seo } from './fixtures.ts';

const withHtmlAttributes = (attributes: string) => seo({ html: html('<title>Acme widgets</title>', '', attributes) });

describe('seo.html_lang_missing', () => {
  it('flags a missing lang attribute', () => {
    const [finding] = htmlLangMissing.evaluate(withHtmlAttributes(''));
    expect(finding?.detail).toBe('The <html> element has no lang attribute.');
    expect(finding?.evidence).toEqual({ url: 'https://example.com/', lang: null });
  });

  it.each(['lang=""', 'lang="  "'])('flags an empty lang: %s', (attributes) => {
    const [finding] = htmlLangMissing.evaluate(withHtmlAttributes(attributes));
    expect(finding?.detail).toBe('The <html> element’s lang attribute is empty.');
  });

  it('does not take a lang on another element for the page language', () => {
    expect(htmlLangMissing.evaluate(seo({ html: html('', '<p lang="en">Hi</p>', '') }))).toHaveLength(1);
  });

  it.each(['lang="en"', 'LANG="de-CH"'])('passes %s', (attributes) => {
    expect(htmlLangMissing.evaluate(withHtmlAttributes(attributes))).toEqual([]);
  });
});
