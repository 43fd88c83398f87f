import { httpsRedirect } from '../../../../src/checks/security/https-redirect.ts';
import { page, probe } from '../../../support/artifacts.ts';
import { run } from './run.ts';

const twin = 'http://example.com/';

describe('security.http_not_redirected', () => {
  test.each([
    ['a 200 page', probe(twin, 200, '<html>'), '200'],
    ['a redirect to another http:// URL', probe(twin, 301, '', {}, 'http://www.example.com/'), '301 to http://www.example.com/'],
    ['a relative redirect (stays on http)', probe(twin, 302, '', {}, '/login'), '302 to /login'],
    ['a 303 redirect', probe(twin, 303, '', {}, 'https://example.com/'), '303 to https://example.com/'],
    ['a 301 without Location', probe(twin, 301), '301'],
  ])('reports %s', (_, plain, answer) => {
    const [finding, ...rest] = run(httpsRedirect, page(), plain);
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ title: 'HTTP address does not redirect to HTTPS', severity: 'medium', verificationKey: 'security_https_redirect' });
    expect(finding?.description).toContain(`answered ${answer} instead`);
    expect(finding?.evidence).toMatchObject({ url: twin, status: plain.status });
  });

  test('reports a first hop to HTTPS on another host, which never sets this host’s HSTS', () => {
    const [finding] = run(httpsRedirect, page(), probe(twin, 301, '', {}, 'https://www.example.com/'));
    expect(finding?.description).toContain('redirects to HTTPS on another host (301 to https://www.example.com/)');
    expect(finding?.evidence).toEqual({ url: twin, status: 301, location: 'https://www.example.com/' });
  });

  test('passes a redirect to HTTPS on the same host and another port', () => {
    expect(run(httpsRedirect, page(), probe(twin, 301, '', {}, 'https://example.com:8443/'))).toEqual([]);
  });

  test.each([301, 302, 307, 308])('passes a %i to https://', (status) => {
    expect(run(httpsRedirect, page(), probe(twin, status, '', {}, 'https://example.com/'))).toEqual([]);
  });

  test('reads the Location header when the probe did not lift it out', () => {
    expect(run(httpsRedirect, page(), probe(twin, 301, '', { location: 'https://example.com/' }))).toEqual([]);
  });

  test('passes when nothing answers on HTTP, or when there was no probe', () => {
    expect(run(httpsRedirect, page(), probe(twin, null))).toEqual([]);
    expect(run(httpsRedirect, page({ url: 'http://example.com/' }), null)).toEqual([]);
  });
});
