import { readFileSync } from 'node:fs';
import { observatoryResults, OBSERVATORY_RESULTS, type ObservatoryTest } from '../../../../src/checks/security/observatory-results.ts';
import { page } from '../../../support/artifacts.ts';
import { OBSERVATORY_CASES, type Family } from './observatory-cases.ts';

const TEST_OF: Record<Family, ObservatoryTest> = {
  'x-content-type-options': 'x-content-type-options',
  'x-frame-options': 'x-frame-options',
  'referrer-policy': 'referrer-policy',
  'content-security-policy': 'content-security-policy',
  'subresource-integrity': 'subresource-integrity',
  'cross-origin-resource-policy': 'cross-origin-resource-policy',
  'strict-transport-security': 'strict-transport-security',
  redirection: 'redirection',
  cookies: 'cookies',
  cors: 'cross-origin-resource-sharing',
};

/**
 * The Observatory's results we do not reproduce, and the one we give instead: results that need what our
 * scan does not have (the preload list, a redirect chain past its first hop, a certificate check) or that
 * it reports as one of the others (an unparseable CSP is judged on what browsers make of it).
 */
const NOT_MODELLED: Record<string, string> = {
  'csp-header-invalid': 'judged as parsed',
  'redirection-not-to-https-on-initial-redirection': 'redirection-not-to-https',
  'redirection-all-redirects-preloaded': 'redirection-to-https',
};

/**
 * Cases whose verdict agrees but whose result differs by a documented difference (docs/security-checks.md):
 * the meta list is no policy (so no bonus), and a protocol-relative script on HTTPS loads over HTTPS.
 */
const RESULT_DIFFERENCES: Record<string, string> = {
  'referrer-policy › private via <meta name="referrer" content="no-referrer, same-origin">': 'referrer-meta-list',
  'subresource-integrity › not implemented, no protocol, HTTP not redirected': 'sri-protocol-relative-on-https',
  'subresource-integrity › not implemented, no protocol, redirected through an HTTP hop': 'sri-protocol-relative-on-https',
};

const comparable = OBSERVATORY_CASES.filter(
  (c) => !c.property && !c.observatory.result.includes('=') && !c.difference && !c.disagreement && !(c.observatory.result in NOT_MODELLED) && !(c.source in RESULT_DIFFERENCES),
);

describe('observatoryResults', () => {
  test.each(comparable.map((c) => [c.source, c] as const))('gives the Observatory’s result for %s', (_source, c) => {
    const artifacts = {
      page: page({ url: c.url, ...(c.headers ? { headers: c.headers } : {}), ...(c.html !== undefined ? { html: c.html } : {}) }),
      plainHttp: c.plainHttp ?? null,
    };
    expect(observatoryResults(artifacts)[TEST_OF[c.family]]).toBe(c.observatory.result);
  });

  test('result-level differences name documented differences and real cases', () => {
    const doc = readFileSync(`${__dirname}/../../../../docs/security-checks.md`, 'utf8');
    for (const [source, id] of Object.entries(RESULT_DIFFERENCES)) {
      expect(OBSERVATORY_CASES.some((c) => c.source === source)).toBe(true);
      expect(doc).toContain(`### \`${id}\``);
    }
  });

  test('the results not reproduced give the stated substitute', () => {
    const [firstHopHttp] = OBSERVATORY_CASES.filter((c) => c.observatory.result === 'redirection-not-to-https-on-initial-redirection');
    expect(firstHopHttp).toBeDefined();
    const artifacts = { page: page({ url: firstHopHttp!.url }), plainHttp: firstHopHttp!.plainHttp ?? null };
    expect(observatoryResults(artifacts).redirection).toBe(NOT_MODELLED['redirection-not-to-https-on-initial-redirection']);
  });

  test('every result is one of its test’s closed set, on a bare and on a hostile page', () => {
    const pages = [
      page({ url: 'http://example.com/' }),
      page({ headers: { 'content-security-policy': `${'script-src '.repeat(500)}` , 'set-cookie': ['=', ';;;', 'a'], 'cross-origin-resource-policy': ['a', 'b'] }, html: '<script src="javascript:alert(1)"></script><script src="//[::1]:99999/x"></script>' }),
    ];
    for (const p of pages) {
      for (const [test, result] of Object.entries(observatoryResults({ page: p, plainHttp: null }))) {
        expect(OBSERVATORY_RESULTS[test as ObservatoryTest]).toContain(result);
      }
    }
  });
});
