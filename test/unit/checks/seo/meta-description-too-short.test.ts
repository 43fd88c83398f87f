import { metaDescriptionTooShort } from '../../../../src/checks/seo/meta-description-too-short.ts';
import { html, seo } from './fixtures.ts';

const withDescription = (content: string) => seo({ html: html(`<meta name="description" content="${content}">`) });

describe('seo.meta_description_too_short', () => {
  it('flags a description under 50 characters with its text and length', () => {
    const [finding] = metaDescriptionTooShort.evaluate(withDescription('  Widgets.  '));
    expect(finding?.detail).toBe('The meta description "Widgets." is 8 characters long (fewer than 50).');
    expect(finding?.evidence).toEqual({ url: 'https://example.com/', description: 'Widgets.', length: 8, minLength: 50 });
  });

  it('passes 50 characters', () => {
    expect(metaDescriptionTooShort.evaluate(withDescription('d'.repeat(50)))).toEqual([]);
  });

  it('leaves missing and empty descriptions to seo.meta_description_missing', () => {
    expect(metaDescriptionTooShort.evaluate(seo({ html: html('') }))).toEqual([]);
    expect(metaDescriptionTooShort.evaluate(withDescription(' '))).toEqual([]);
  });
});
