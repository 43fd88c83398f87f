import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { seoChecks } from '../../../../src/checks/seo/index.ts';
import { runChecks, type Check } from '../../../../src/checks/types.ts';
import { probe } from '../../../support/artifacts.ts';
import { html, seo } from './fixtures.ts';

const CHECKS_DIR = join(__dirname, '../../../../src/checks/seo');

describe('seoChecks', () => {
  it.each(seoChecks.map((check) => [check.id, check] as const))('%s has well-formed metadata', (_, check) => {
    const name = check.id.replace(/^seo\./, '');
    expect(check.id).toMatch(/^seo\.[a-z0-9_]+$/);
    expect(check.domain).toBe('seo');
    expect(check.verificationKey).toBe(`seo_${name}`);
    expect(check.title).not.toMatch(/[0-9"'“”‘’`]|:\/\/|www\./);
    expect(check.description.length).toBeGreaterThan(40);
    expect(check.fix.summary).not.toBe('');
    expect(check.fix.steps.length).toBeGreaterThan(0);
    expect(check.fix.steps.every((step) => step.trim() !== '')).toBe(true);
  });

  it('has unique ids, titles and verification keys', () => {
    for (const key of ['id', 'title', 'verificationKey'] as const) {
      expect(new Set(seoChecks.map((check) => check[key])).size).toBe(seoChecks.length);
    }
  });

  it('lists every check module of the folder', async () => {
    const modules = readdirSync(CHECKS_DIR).filter((file) => file.endsWith('.ts') && !['index.ts', 'helpers.ts'].includes(file));
    const exported = await Promise.all(
      modules.map(async (file) => Object.values((await import(join(CHECKS_DIR, file))) as Record<string, Check<unknown>>)),
    );
    expect(new Set(exported.flat())).toEqual(new Set(seoChecks));
  });

  it('finds nothing on a clean page', () => {
    expect(runChecks(seoChecks, seo())).toEqual([]);
  });

  it('finds something with every check across bad pages', () => {
    const missingEverything = seo({
      html: html('<meta name="robots" content="noindex">', '<h2>Intro</h2><h4>Detail</h4><img src="/hero.jpg">', ''),
      robotsTxt: probe('https://example.com/robots.txt', 404),
      sitemap: probe('https://example.com/sitemap.xml', 404),
    });
    const overdone = seo({
      html: html(
        `<meta name="viewport" content="width=1024"><title>${'Acme widgets, gadgets and gizmos '.repeat(3)}</title>` +
          `<meta name="description" content="${'Durable widgets. '.repeat(12)}">` +
          '<link rel="canonical" href="/a"><link rel="canonical" href="https://example.com/b">',
        '<h1>Acme</h1><h1>Widgets</h1>',
      ),
      robotsTxt: probe('https://example.com/robots.txt', 200, 'User-agent: *\nDisallow: /\n'),
    });
    const skimpy = seo({
      html: html('<title>Home</title><meta name="description" content="Widgets."><link rel="canonical" href="https://staging.example.com/">'),
    });

    const perPage = [missingEverything, overdone, skimpy].map((artifacts) => runChecks(seoChecks, artifacts).map((finding) => finding.checkId));
    for (const ids of perPage) expect(ids.length).toBeGreaterThan(2);
    expect(new Set(perPage.flat())).toEqual(new Set(seoChecks.map((check) => check.id)));
  });
});
