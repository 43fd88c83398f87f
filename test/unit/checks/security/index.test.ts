import { securityChecks } from '../../../../src/checks/security/index.ts';
import { runChecks } from '../../../../src/checks/types.ts';
import { page, probe } from '../../../support/artifacts.ts';
import { html } from './run.ts';

const clean = {
  page: page({
    url: 'https://example.com/',
    headers: {
      'strict-transport-security': 'max-age=63072000; includeSubDomains; preload',
      'content-security-policy': "script-src 'nonce-r4nd0m' 'strict-dynamic' https: 'unsafe-inline'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'",
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'referrer-policy': 'strict-origin-when-cross-origin',
      'permissions-policy': 'camera=(), microphone=(), geolocation=()',
      'set-cookie': ['__Host-sid=opaque; Path=/; Secure; HttpOnly; SameSite=Lax', 'theme=dark; Path=/; Secure; SameSite=Strict'],
      server: 'nginx',
    },
    html: html(
      '<link rel="stylesheet" href="/site.css"><script nonce="r4nd0m" src="https://cdn.example.net/lib.js" integrity="sha384-abc" crossorigin="anonymous"></script>',
      '<img src="/logo.png" srcset="https://img.example.net/logo-2x.png 2x"><iframe src="https://www.youtube.com/embed/x"></iframe>',
    ),
  }),
  plainHttp: probe('http://example.com/', 301, '', {}, 'https://example.com/'),
};

/** Bad in every way an HTTPS page with headers can be. */
const weak = {
  page: page({
    url: 'https://example.com/',
    headers: {
      'strict-transport-security': 'max-age=3600',
      'content-security-policy': "script-src 'self' 'unsafe-inline' 'unsafe-eval' https:; base-uri *",
      'x-content-type-options': 'sniff',
      'x-frame-options': 'ALLOW-FROM https://partner.example',
      'referrer-policy': 'unsafe-url',
      'set-cookie': ['sessionid=abc; Path=/'],
      server: 'nginx/1.18.0',
      'x-powered-by': 'Express',
      'access-control-allow-origin': '*',
      'access-control-allow-credentials': 'true',
      'cross-origin-resource-policy': 'same-origin, same-site',
    },
    html: html('<script src="https://cdn.example.net/lib.js"></script>', '<img src="http://img.example.net/a.png"><iframe src="http://widgets.example.org/w"></iframe>'),
  }),
  plainHttp: probe('http://example.com/', 200, '<html>'),
};
/** An HTTPS page that sends none of the headers: what "missing" looks like. */
const bare = { page: page({ url: 'https://example.com/' }), plainHttp: null };
const plain = { page: page({ url: 'http://example.com/' }), plainHttp: null };

describe('securityChecks', () => {
  test('ids are unique and the metadata is well-formed', () => {
    expect(new Set(securityChecks.map((c) => c.id)).size).toBe(securityChecks.length);
    expect(new Set(securityChecks.map((c) => c.title)).size).toBe(securityChecks.length);
    for (const check of securityChecks) {
      expect(check.id).toMatch(/^security\.[a-z_]+$/);
      expect(check.domain).toBe('security');
      expect(check.title).not.toMatch(/\d|["'`“”‘’]|https?:|www\./);
      expect(check.verificationKey).toMatch(/^security_/);
      expect(check.description.length).toBeGreaterThan(0);
      expect(check.fix.summary.length).toBeGreaterThan(0);
      expect(check.fix.steps.length).toBeGreaterThan(0);
      expect(check.fix.steps.every((s) => s.trim().length > 0)).toBe(true);
    }
  });

  test('the verification keys are the agreed ones', () => {
    expect([...new Set(securityChecks.map((c) => c.verificationKey))].sort()).toEqual([
      'security_cookie_flags',
      'security_cors',
      'security_header_corp',
      'security_header_csp',
      'security_header_hsts',
      'security_header_permissions_policy',
      'security_header_referrer',
      'security_header_xcto',
      'security_header_xfo',
      'security_https_redirect',
      'security_mixed_content',
      'security_sri',
      'security_version_disclosure',
    ]);
  });

  test('a well-configured HTTPS page yields no finding', () => {
    expect(runChecks(securityChecks, clean)).toEqual([]);
  });

  test('bad pages yield a finding from every check', () => {
    // Some checks exclude each other (CSP missing vs weak, HTTPS-only vs plain HTTP), hence three pages.
    const fired = new Set([weak, bare, plain].flatMap((artifacts) => runChecks(securityChecks, artifacts).map((f) => f.checkId)));
    expect([...fired].sort()).toEqual(securityChecks.map((c) => c.id).sort());
  });

  test('the weak page alone fails every check but those that exclude it', () => {
    const fired = new Set(runChecks(securityChecks, weak).map((f) => f.checkId));
    expect(securityChecks.map((c) => c.id).filter((id) => !fired.has(id))).toEqual([
      'security.plain_http',
      'security.hsts_missing',
      'security.csp_missing',
      'security.referrer_policy_missing',
    ]);
  });
});
