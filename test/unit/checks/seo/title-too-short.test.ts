import { titleTooShort } from '../../../../src/checks/seo/title-too-short.ts';
import { html, seo } from './fixtures.ts';

const withTitle = (title: string) => seo({ html: html(`<title>${title}</title>`) });

describe('seo.title_too_short', () => {
  it('flags a title under 10 characters with its text and length', () => {
    const [finding] = titleTooShort.evaluate(withTitle(' Home '));
    expect(finding?.detail).toBe('The title "Home" is 4 characters long (fewer than 10).');
    expect(finding?.evidence).toEqual({ url: 'https://example.com/', title: 'Home', length: 4, minLength: 10 });
  });

  it('passes exactly 10 characters', () => {
    expect(titleTooShort.evaluate(withTitle('Acme Shop!'))).toEqual([]);
  });

  it('leaves missing and empty titles to seo.title_missing', () => {
    expect(titleTooShort.evaluate(seo({ html: html('') }))).toEqual([]);
    expect(titleTooShort.evaluate(withTitle('   '))).toEqual([]);
  });
});
