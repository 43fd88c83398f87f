import type { HeaderMap, ProbeArtifact, SeoArtifacts } from '../../../../src/checks/artifacts.ts';
import { page, probe } from '../../../support/artifacts.ts';

export const ORIGIN = 'https://example.com';

export const goodRobotsTxt = probe(`${ORIGIN}/robots.txt`, 200, `User-agent: *\nDisallow: /admin\n\nSitemap: ${ORIGIN}/sitemap.xml\n`);
export const goodSitemap = probe(
  `${ORIGIN}/sitemap.xml`,
  200,
  `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>${ORIGIN}/</loc></url></urlset>`,
  { 'content-type': 'application/xml' },
);

/** A page that passes every SEO check. */
export const cleanHead = `
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Acme Widgets – Durable widgets for every workshop</title>
  <meta name="description" content="Acme builds durable, affordable widgets for workshops of every size, shipped worldwide within two days.">
  <link rel="canonical" href="${ORIGIN}/">
  <meta property="og:title" content="Acme Widgets">
  <meta property="og:description" content="Durable widgets for every workshop.">
  <meta property="og:image" content="${ORIGIN}/og.png">
  <meta property="og:url" content="${ORIGIN}/">`;
export const cleanBody = `
  <header><img src="/logo.svg" alt="Acme"></header>
  <h1>Durable widgets</h1>
  <h2>Why Acme</h2><h3>Materials</h3><h3>Warranty</h3>
  <h2>Shop</h2>
  <img src="/divider.png" alt="">
  <svg><title>cart icon</title></svg>`;

export function html(head: string, body = '', htmlAttributes = 'lang="en"'): string {
  return `<!doctype html><html ${htmlAttributes}><head>${head}</head><body>${body}</body></html>`;
}

/** SEO artifacts around `html`, with a robots.txt and sitemap that pass unless replaced. */
export function seo(
  options: { html?: string; url?: string; headers?: HeaderMap; robotsTxt?: ProbeArtifact; sitemap?: ProbeArtifact } = {},
): SeoArtifacts {
  return {
    page: page({ url: options.url ?? `${ORIGIN}/`, html: options.html ?? html(cleanHead, cleanBody), headers: options.headers ?? {} }),
    robotsTxt: options.robotsTxt ?? goodRobotsTxt,
    sitemap: options.sitemap ?? goodSitemap,
  };
}

/** The clean page with its <head> replaced. */
export function withHead(head: string, body = cleanBody): SeoArtifacts {
  return seo({ html: html(head, body) });
}
