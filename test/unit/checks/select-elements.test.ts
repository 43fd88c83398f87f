import { selectElements, type PageArtifact } from '../../../src/checks/artifacts.ts';
import { securityChecks } from '../../../src/checks/security/index.ts';
import { STYLESHEET_LINK } from '../../../src/checks/security/parse.ts';
import { seoChecks } from '../../../src/checks/seo/index.ts';
import { runCheck } from '../../../src/checks/types.ts';
import { page, probe } from '../../support/artifacts.ts';

// The checks select from the page's element index (artifacts.ts) instead of walking the whole
// tree per selection: the same elements, in the same order, as `dom(selector)`.

/** Every selection the checks make, with the tags they name. */
const SELECTIONS: [tags: string[], selector: string][] = [
  [['meta'], 'head > meta[http-equiv="content-security-policy" i]'],
  [['meta'], 'meta[name="referrer" i]'],
  [['meta'], 'meta[name="description" i]'],
  [['meta'], 'meta[property="og:title" i], meta[name="og:title" i]'],
  [['base'], 'base[href]'],
  [['script'], 'script[src]'],
  [['link'], STYLESHEET_LINK],
  [['link'], 'link[rel~="canonical" i]'],
  [['iframe'], 'iframe[src]'],
  [['img', 'audio', 'video', 'source'], 'img[src], audio[src], video[src], source[src]'],
  [['img', 'source'], 'img[srcset], source[srcset]'],
  [['img'], 'img:not([alt])'],
  [['title'], 'title'],
  [['html'], 'html'],
  [['h1', 'h2', 'h3', 'h4', 'h5', 'h6'], 'h1, h2, h3, h4, h5, h6'],
];

const PAGES: Record<string, string> = {
  // No <html>, <head> or <body> written: the parser makes them, and the head's meta is in the head.
  'implied head': '<meta http-equiv="Content-Security-Policy" content="default-src \'self\'"><title>t</title><h1>a</h1><img src="http://x/a.png">',
  'elements in body and head, interleaved': `<!doctype html><html lang="en"><head><base href="http://x/"><title>t</title>
    <meta name="Referrer" content="no-referrer"><link rel="Stylesheet canonical" href="a.css"><meta name="description" content="d">
    <meta property="og:title" content="o"></head><body><meta http-equiv="content-security-policy" content="x">
    <video src="v.mp4"><source src="s.mp4" srcset="a 1x"></video><img srcset="b 1x"><audio src="a.mp3"></audio><img src="c.png" alt="">
    <h3>c</h3><h1>a<h2>b</h2></h1><div><h6>f</h6><script src="s.js"></script><iframe src="f"></iframe></div><title>second</title></body></html>`,
  'svg and template': `<title>t</title><svg><title>icon</title><image href="x"></image></svg>
    <template><img src="http://x/in-template.png"><h1>in template</h1><script src="t.js"></script></template><img src="after.png">`,
  'table fostering and misnested tags': '<table><img src="fostered.png"><tr><td><h2>cell</h2></td></tr></table><b><p>x</b><img src="y.png"></p><h4>z</h4>',
};

describe.each(Object.entries(PAGES))('on a page of %s', (_name, html) => {
  const artifact = page({ html });
  test.each(SELECTIONS)('%p %s: the elements dom(selector) finds, in its order', (tags, selector) => {
    const selected = selectElements(artifact, tags, selector);
    const found = artifact.dom(selector).toArray();
    expect(selected).toHaveLength(found.length);
    selected.forEach((element, i) => expect(element).toBe(found[i]));
  });
});

test('the index lists each element once, in document order', () => {
  const artifact = page({ html: PAGES['svg and template']! });
  const all = artifact.dom('*').toArray();
  expect(artifact.elements.all).toHaveLength(all.length);
  artifact.elements.all.forEach((element, i) => expect(element).toBe(all[i]));
  expect([...artifact.elements.byTag.values()].flat().sort((a, b) => a - b)).toEqual(artifact.elements.all.map((_, i) => i));
});

/** The page, with a `dom` that refuses selections over the whole tree (a selector string). */
function withoutWholeTreeSelection(artifact: PageArtifact): PageArtifact {
  const dom = ((selector: unknown, ...rest: unknown[]) => {
    if (typeof selector === 'string') throw new Error(`a selection over the whole tree: ${selector}`);
    return (artifact.dom as (...args: unknown[]) => unknown)(selector, ...rest);
  }) as unknown as PageArtifact['dom'];
  return { ...artifact, dom: Object.assign(dom, artifact.dom) };
}

test('no security or SEO check walks the whole tree: each selects from the element index', () => {
  const html = `<!doctype html><html lang="en"><head><base href="http://x/"><title>t</title><meta name="description" content="d">
    <meta http-equiv="content-security-policy" content="script-src *"><meta name="referrer" content="unsafe-url">
    <link rel="canonical" href="/a"><link rel="stylesheet" href="http://x/a.css"><meta property="og:title" content="x"></head>
    <body><h1>a</h1><h3>b</h3><img src="http://x/i.png"><img srcset="http://x/j.png 1x" alt=""><script src="http://x/s.js"></script><iframe src="http://x/"></iframe></body></html>`;
  const artifact = withoutWholeTreeSelection(page({ html }));
  const headers = { 'content-type': 'text/html' };
  for (const check of securityChecks) expect(() => runCheck(check, { page: artifact, plainHttp: probe('http://example.com/', 200, '', headers) })).not.toThrow();
  for (const check of seoChecks) {
    expect(() => runCheck(check, { page: artifact, robotsTxt: probe('https://example.com/robots.txt', 404), sitemap: probe('https://example.com/sitemap.xml', 404) })).not.toThrow();
  }
});
