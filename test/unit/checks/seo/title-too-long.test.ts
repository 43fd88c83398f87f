import { titleTooLong } from '../../../../src/checks/seo/title-too-long.ts';
import { html, seo } from './fixtures.ts';

const withTitle = (title: string) => seo({ html: html(`<title>${title}</title>`) });

describe('seo.title_too_long', () => {
  it('flags a title over 60 characters with its text and length', () => {
    const title = 'A'.repeat(61);
    const [finding] = titleTooLong.evaluate(withTitle(title));
    expect(finding?.detail).toBe(`The title "${title}" is 61 characters long (more than 60).`);
    expect(finding?.evidence).toEqual({ url: 'https://example.com/', title, length: 61, maxLength: 60 });
  });

  it('measures the title with whitespace collapsed and trimmed', () => {
    expect(titleTooLong.evaluate(withTitle(`  ${'word '.repeat(12)}   `))).toEqual([]); // 59 characters once collapsed
    const [finding] = titleTooLong.evaluate(withTitle(`Acme\n\n   ${'x'.repeat(60)}`));
    expect(finding?.evidence).toMatchObject({ length: 65 });
  });

  it('counts an emoji as one character', () => {
    expect(titleTooLong.evaluate(withTitle(`${'a'.repeat(59)}🚀`))).toEqual([]);
  });

  it('passes exactly 60 characters, and leaves missing titles to their own check', () => {
    expect(titleTooLong.evaluate(withTitle('b'.repeat(60)))).toEqual([]);
    expect(titleTooLong.evaluate(seo({ html: html('') }))).toEqual([]);
  });
});
