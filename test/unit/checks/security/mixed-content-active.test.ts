import { mixedContentActive } from '../../../../src/checks/security/mixed-content-active.ts';
import { page } from '../../../support/artifacts.ts';
import { html, run } from './run.ts';

describe('security.mixed_content_active', () => {
  test('reports scripts, stylesheets and frames over HTTP, once each', () => {
    const markup = html(
      '<script src="http://cdn.example.net/lib.js"></script><link rel="Alternate StyleSheet" href="HTTP://cdn.example.net/a.css">',
      '<iframe src="http://widgets.example.org/w"></iframe><script src="http://cdn.example.net/lib.js"></script><img src="http://img.example.net/x.png">',
    );
    const [finding, ...rest] = run(mixedContentActive, page({ html: markup }));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ title: 'Active mixed content', severity: 'high', verificationKey: 'security_mixed_content' });
    const urls = ['http://cdn.example.net/lib.js', 'http://cdn.example.net/a.css', 'http://widgets.example.org/w'];
    expect(finding?.evidence).toEqual({ urls });
    expect(finding?.description).toContain(urls.join(', '));
  });

  test('resolves relative URLs against <base href>', () => {
    const markup = html('<base href="http://static.example.com/">', '<script src="app.js"></script>');
    const [finding] = run(mixedContentActive, page({ html: markup }));
    expect(finding?.evidence).toEqual({ urls: ['http://static.example.com/app.js'] });
  });

  test('passes HTTPS, relative and protocol-relative URLs, and non-stylesheet links', () => {
    const markup = html(
      '<script src="https://cdn.example.net/lib.js"></script><script src="/app.js"></script><link rel="stylesheet" href="//cdn.example.net/a.css">' +
        '<link rel="icon" href="http://example.com/favicon.ico"><link rel="preconnect" href="http://cdn.example.net">',
      '<iframe src="https://www.youtube.com/embed/x"></iframe><a href="http://example.org/">link</a><script>inline()</script>',
    );
    expect(run(mixedContentActive, page({ html: markup }))).toEqual([]);
  });

  test('does not apply to HTTP pages', () => {
    expect(run(mixedContentActive, page({ url: 'http://example.com/', html: html('<script src="http://cdn.example.net/lib.js"></script>') }))).toEqual([]);
  });
});
