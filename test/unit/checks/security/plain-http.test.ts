import { plainHttp } from '../../../../src/checks/security/plain-http.ts';
import { page } from '../../../support/artifacts.ts';
import { run } from './run.ts';

describe('security.plain_http', () => {
  test.each(['http://example.com/', 'http://93.184.215.14/shop', 'http://[2606:4700::1111]/', 'http://localhost.example.com/'])(
    'reports %s, a public host served over HTTP',
    (url) => {
      const [finding, ...rest] = run(plainHttp, page({ url }));
      expect(rest).toEqual([]);
      expect(finding).toMatchObject({ title: 'Page served over plain HTTP', severity: 'high', verificationKey: 'security_https_redirect', evidence: { url } });
      expect(finding?.description).toContain(url);
    },
  );

  test('judges the final URL, not the requested one', () => {
    expect(run(plainHttp, page({ url: 'https://example.com/', finalUrl: 'http://example.com/' }))).toHaveLength(1);
    expect(run(plainHttp, page({ url: 'http://example.com/', finalUrl: 'https://example.com/' }))).toEqual([]);
  });

  test.each([
    'https://example.com/',
    'http://127.0.0.1:8080/',
    'http://10.1.2.3/',
    'http://192.168.1.10/',
    'http://172.16.0.5/',
    'http://[::1]:3000/',
    'http://[fd00::1]/',
    'http://localhost:3000/',
    'http://app.localhost/',
    'http://LOCALHOST./',
  ])('passes %s (HTTPS, or a private/local target)', (url) => {
    expect(run(plainHttp, page({ url }))).toEqual([]);
  });
});
