import { sri } from '../../../../src/checks/security/sri.ts';
import { page } from '../../../support/artifacts.ts';
import { html, run } from './run.ts';

describe('security.sri_missing', () => {
  test('reports third-party scripts and stylesheets without integrity', () => {
    const markup = html(
      '<script src="https://cdn.jsdelivr.net/npm/lib@1/lib.min.js"></script><link rel="stylesheet" href="//fonts.example.net/font.css">',
      '<script src="https://cdn.example.net/empty.js" integrity=" "></script><script src="https://cdn.jsdelivr.net/npm/lib@1/lib.min.js"></script>',
    );
    const [finding, ...rest] = run(sri, page({ url: 'https://example.com/', html: markup }));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ title: 'Third-party scripts or stylesheets without integrity', severity: 'medium', verificationKey: 'security_sri' });
    const urls = ['https://cdn.jsdelivr.net/npm/lib@1/lib.min.js', 'https://cdn.example.net/empty.js', 'https://fonts.example.net/font.css'];
    expect(finding?.evidence).toEqual({ urls });
    expect(finding?.description).toContain(urls.join(', '));
  });

  test('another scheme or registrable domain is another site; a port or subdomain of the site is not', () => {
    const markup = html(
      '<script src="http://example.com/a.js"></script><script src="https://example.com:8443/b.js"></script>' +
        '<script src="https://static.example.com/c.js"></script><script src="//www.example.com/d.js"></script>' +
        '<script src="https://example.co.uk/e.js"></script><script src="https://other.github.io/f.js"></script>',
    );
    const [finding] = run(sri, page({ url: 'https://example.com/', html: markup }));
    expect(finding?.evidence).toEqual({ urls: ['http://example.com/a.js', 'https://example.co.uk/e.js', 'https://other.github.io/f.js'] });
  });

  test('sites are told apart by the public suffix list; hosts without a registrable domain by origin', () => {
    const markup = html('<script src="https://b.example.co.uk/x.js"></script><script src="https://127.0.0.2/y.js"></script><script src="https://localhost/z.js"></script>');
    const [finding] = run(sri, page({ url: 'https://a.example.co.uk/', html: markup }));
    expect(finding?.evidence).toEqual({ urls: ['https://127.0.0.2/y.js', 'https://localhost/z.js'] });
    const local = html('<script src="http://127.0.0.1:8443/x.js"></script><script src="http://127.0.0.1:8080/y.js"></script>');
    expect(run(sri, page({ url: 'http://127.0.0.1:8080/', html: local }))[0]?.evidence).toEqual({ urls: ['http://127.0.0.1:8443/x.js'] });
  });

  test('passes same-origin files, files with integrity, inline scripts and other links', () => {
    const markup = html(
      '<script src="/app.js"></script><script src="https://example.com/b.js"></script><link rel="stylesheet" href="/s.css">' +
        '<script src="https://cdn.example.net/x.js" integrity="sha384-abc" crossorigin="anonymous"></script>' +
        '<link rel="stylesheet" href="https://cdn.example.net/x.css" integrity="sha384-def" crossorigin="anonymous">' +
        '<link rel="preconnect" href="https://cdn.example.net"><link rel="icon" href="https://cdn.example.net/i.png">',
      '<script>inline()</script><img src="https://cdn.example.net/i.png">',
    );
    expect(run(sri, page({ url: 'https://example.com/', html: markup }))).toEqual([]);
  });
});
