import { mixedContentPassive } from '../../../../src/checks/security/mixed-content-passive.ts';
import { page } from '../../../support/artifacts.ts';
import { html, run } from './run.ts';

describe('security.mixed_content_passive', () => {
  test('reports images, audio, video and sources over HTTP, srcset included', () => {
    const markup = html('', [
      '<img src="http://img.example.net/a.png">',
      '<img src="/b.png" srcset="https://img.example.net/b-1x.png 1x, http://img.example.net/b-2x.png 2x">',
      '<audio src="http://media.example.net/a.mp3"></audio>',
      '<video src="http://media.example.net/v.mp4"></video>',
      '<picture><source srcset="http://img.example.net/c.webp" type="image/webp"><img src="https://img.example.net/c.jpg"></picture>',
      '<video><source src="http://media.example.net/w.webm"></video>',
      '<script src="http://cdn.example.net/lib.js"></script>',
    ].join(''));
    const [finding, ...rest] = run(mixedContentPassive, page({ html: markup }));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ title: 'Passive mixed content', severity: 'low', verificationKey: 'security_mixed_content' });
    const urls = [
      'http://img.example.net/a.png',
      'http://media.example.net/a.mp3',
      'http://media.example.net/v.mp4',
      'http://media.example.net/w.webm',
      'http://img.example.net/b-2x.png',
      'http://img.example.net/c.webp',
    ];
    expect(finding?.evidence).toEqual({ urls });
    expect(finding?.description).toContain('6 image(s) or media file(s)');
    expect(finding?.description).toContain('http://img.example.net/b-2x.png');
  });

  test('passes HTTPS, relative and data: images', () => {
    const markup = html('', '<img src="https://img.example.net/a.png"><img src="/b.png" srcset="/b-2x.png 2x"><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">');
    expect(run(mixedContentPassive, page({ html: markup }))).toEqual([]);
  });

  test('does not apply to HTTP pages', () => {
    expect(run(mixedContentPassive, page({ url: 'http://example.com/', html: html('', '<img src="http://img.example.net/a.png">') }))).toEqual([]);
  });
});
