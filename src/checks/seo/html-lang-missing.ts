import { selectElements, type SeoArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';

export const htmlLangMissing: Check<SeoArtifacts> = {
  id: 'seo.html_lang_missing',
  domain: 'seo',
  title: 'Page language is not declared',
  description:
    'Looks for a non-empty lang attribute on <html>. It tells search engines (and screen readers, translators) ' +
    'which language the page is in, so it is shown to searchers of that language.',
  severity: 'low',
  effort: 15,
  verificationKey: 'seo_html_lang_missing',
  fix: {
    summary: 'Declare the page’s language on the <html> element.',
    steps: [
      'Set <html lang="…"> to the content’s BCP 47 language tag, e.g. lang="en" or lang="de-CH".',
      'In a multilingual site, set it per page to the language of that page.',
    ],
  },
  evaluate({ page }) {
    const lang = page.dom(selectElements(page, ['html'], 'html')).attr('lang');
    if (lang?.trim()) return [];
    const detail = lang === undefined ? 'The <html> element has no lang attribute.' : 'The <html> element’s lang attribute is empty.';
    return [{ detail, evidence: { url: page.finalUrl, lang: lang ?? null } }];
  },
};
