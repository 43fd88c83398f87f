import { metaDescriptionTooLong } from '../../../../src/checks/seo/meta-description-too-long.ts';
import { html, seo } from './fixtures.ts';

const withDescription = (content: string) => seo({ html: html(`<meta name="description" content="${content}">`) });

describe('seo.meta_description_too_long', () => {
  it('flags a description over 160 characters with its length', () => {
    const description = 'w'.repeat(161);
    const [finding] = metaDescriptionTooLong.evaluate(withDescription(description));
    expect(finding?.detail).toBe(`The meta description is 161 characters long (more than 160): "${description}".`);
    expect(finding?.evidence).toEqual({ url: 'https://example.com/', description, length: 161, maxLength: 160 });
  });

  it('passes 160 characters, counting collapsed whitespace', () => {
    expect(metaDescriptionTooLong.evaluate(withDescription('w'.repeat(160)))).toEqual([]);
    expect(metaDescriptionTooLong.evaluate(withDescription(`${'w'.repeat(80)}\n      ${'w'.repeat(79)}`))).toEqual([]);
  });

  it('says nothing without a description', () => {
    expect(metaDescriptionTooLong.evaluate(seo({ html: html('') }))).toEqual([]);
  });
});
