import type { HeaderMap, ProbeArtifact } from '../../../../src/checks/artifacts.ts';

/**
 * The header cases of the HTTP Observatory's own test suite (mdn/mdn-http-observatory, test/*.test.js with the
 * markup of test/files/), as facts: what the response carried and the verdict the Observatory gives. Its
 * verdict is its `pass`; ours is "fail" when a check of the family reports at medium severity or above (a low
 * finding is advice, as the Observatory's score-neutral results are). Cases with `property` compare one of the
 * Observatory's policy flags with whether the named checks report at all.
 * docs/security-checks.md lists every difference and the agreement table this file yields.
 */

export type Family =
  | 'x-content-type-options'
  | 'x-frame-options'
  | 'referrer-policy'
  | 'content-security-policy'
  | 'subresource-integrity'
  | 'cross-origin-resource-policy'
  | 'strict-transport-security'
  | 'redirection'
  | 'cookies'
  | 'cors';

export interface ObservatoryCase {
  family: Family;
  /** Observatory test file › test name (and the value, where a test loops over several). */
  source: string;
  /** The scanned URL; https://mozilla.org/ as in the Observatory's helpers. */
  url?: string;
  headers?: HeaderMap;
  html?: string;
  /** The answer of the http:// twin (redirection cases). */
  plainHttp?: ProbeArtifact | null;
  /** The Observatory's result and whether it passes. */
  observatory: { result: string; pass: boolean };
  /** Compare a policy flag of the Observatory with these checks reporting at any severity. */
  property?: string[];
  /** We differ on purpose, backed by a spec: the id of the entry in docs/security-checks.md. */
  difference?: string;
  /** We differ without a spec behind us: why, until fixed. */
  disagreement?: string;
}

const SITE = 'https://mozilla.org/';

/** A document with `head` markup, as the Observatory's test/files are. */
const doc = (head: string) => `<!doctype html><html lang="en"><head><meta charset="UTF-8"><title>Title</title>${head}</head><body></body></html>`;
const redirect = (location: string, status = 301) => ({ url: 'http://mozilla.org/', status, headers: { location }, body: '', location });

const pass = (result: string) => ({ result, pass: true });
const fail = (result: string) => ({ result, pass: false });

const header = (name: string) => (value: string) => ({ [name]: value });
const csp = header('content-security-policy');

const xcto: ObservatoryCase[] = [
  { family: 'x-content-type-options', source: 'x-content-type-options › checks for missing', observatory: fail('x-content-type-options-not-implemented') },
  { family: 'x-content-type-options', source: 'x-content-type-options › checks header validity: whimsy', headers: { 'x-content-type-options': 'whimsy' }, observatory: fail('x-content-type-options-header-invalid') },
  { family: 'x-content-type-options', source: 'x-content-type-options › checks header validity: nosniff, nosniff', headers: { 'x-content-type-options': 'nosniff, nosniff' }, observatory: fail('x-content-type-options-header-invalid'), difference: 'xcto-repeated-nosniff' },
  { family: 'x-content-type-options', source: 'x-content-type-options › checks for nosniff', headers: { 'x-content-type-options': 'nosniff' }, observatory: pass('x-content-type-options-nosniff') },
  { family: 'x-content-type-options', source: 'x-content-type-options › checks for nosniff (trailing space)', headers: { 'x-content-type-options': 'nosniff ' }, observatory: pass('x-content-type-options-nosniff') },
];

const xfo: ObservatoryCase[] = [
  { family: 'x-frame-options', source: 'x-frame-options › checks for missing', observatory: fail('x-frame-options-not-implemented') },
  { family: 'x-frame-options', source: 'x-frame-options › checks validity: whimsy', headers: { 'x-frame-options': 'whimsy' }, observatory: fail('x-frame-options-header-invalid') },
  { family: 'x-frame-options', source: 'x-frame-options › checks validity: SAMEORIGIN, SAMEORIGIN', headers: { 'x-frame-options': 'SAMEORIGIN, SAMEORIGIN' }, observatory: fail('x-frame-options-header-invalid'), difference: 'xfo-repeated-sameorigin' },
  { family: 'x-frame-options', source: 'x-frame-options › checks allow from origin', headers: { 'x-frame-options': 'ALLOW-FROM https://mozilla.org' }, observatory: pass('x-frame-options-allow-from-origin'), difference: 'xfo-allow-from' },
  { family: 'x-frame-options', source: 'x-frame-options › checks deny', headers: { 'x-frame-options': 'DENY' }, observatory: pass('x-frame-options-sameorigin-or-deny') },
  { family: 'x-frame-options', source: 'x-frame-options › checks deny (trailing space)', headers: { 'x-frame-options': 'DENY ' }, observatory: pass('x-frame-options-sameorigin-or-deny') },
  { family: 'x-frame-options', source: 'x-frame-options › checks implemented via CSP', headers: { 'x-frame-options': 'DENY', 'content-security-policy': 'frame-ancestors https://mozilla.org' }, observatory: pass('x-frame-options-implemented-via-csp') },
  // csp.test.js › policy analysis: antiClickjacking, judged on the whole X-Frame-Options family.
  ...["default-src 'none'", 'frame-ancestors *', 'frame-ancestors http:', 'frame-ancestors https:'].map((value): ObservatoryCase => ({
    family: 'x-frame-options', source: `csp › policy analysis: antiClickjacking false for ${value}`, headers: csp(value), observatory: fail('antiClickjacking=false'),
  })),
  { family: 'x-frame-options', source: "csp › policy analysis: antiClickjacking true for default-src *; frame-ancestors 'none'", headers: csp("default-src *; frame-ancestors 'none'"), observatory: pass('antiClickjacking=true') },
];

const referrer: ObservatoryCase[] = [
  ...['no-referrer', 'same-origin', 'strict-origin', 'STRICT-ORIGIN', 'strict-origin-when-cross-origin'].map((value): ObservatoryCase => ({
    family: 'referrer-policy', source: `referrer-policy › checks for private referrer header: ${value}`, headers: { 'referrer-policy': value }, observatory: pass('referrer-policy-private'),
  })),
  { family: 'referrer-policy', source: 'referrer-policy › private via <meta name="referrer" content="no-referrer, same-origin">', html: doc('<meta name="referrer" content="no-referrer, same-origin">'), observatory: pass('referrer-policy-private') },
  { family: 'referrer-policy', source: 'referrer-policy › <meta> "no-referrer, same-origin" over header unsafe-url', html: doc('<meta name="referrer" content="no-referrer, same-origin">'), headers: { 'referrer-policy': 'unsafe-url' }, observatory: pass('referrer-policy-private'), difference: 'referrer-meta-list' },
  { family: 'referrer-policy', source: 'referrer-policy › checks for missing referrer header', observatory: pass('referrer-policy-not-implemented') },
  { family: 'referrer-policy', source: 'referrer-policy › checks for invalid referrer header: whimsy', headers: { 'referrer-policy': 'whimsy' }, observatory: fail('referrer-policy-header-invalid') },
  ...['origin', 'origin-when-cross-origin', 'unsafe-url'].map((value): ObservatoryCase => ({
    family: 'referrer-policy', source: `referrer-policy › checks for unsafe referrer header: ${value}`, headers: { 'referrer-policy': value }, observatory: fail('referrer-policy-unsafe'),
  })),
  ...['origin-when-cross-origin, no-referrer, unsafe-url', 'no-referrer, unsafe-url'].map((value): ObservatoryCase => ({
    family: 'referrer-policy', source: `referrer-policy › checks for multiple valid referrer headers: ${value}`, headers: { 'referrer-policy': value }, observatory: fail('referrer-policy-unsafe'),
  })),
  { family: 'referrer-policy', source: 'referrer-policy › valid and invalid mixed: no-referrer, whimsy', headers: { 'referrer-policy': 'no-referrer, whimsy' }, observatory: pass('referrer-policy-private') },
  { family: 'referrer-policy', source: 'referrer-policy › multiple invalid: whimsy, whimsy1, whimsy2', headers: { 'referrer-policy': 'whimsy, whimsy1, whimsy2' }, observatory: fail('referrer-policy-header-invalid') },
];

const corp: ObservatoryCase[] = [
  { family: 'cross-origin-resource-policy', source: 'cross-origin-resource-policy › checks for missing', observatory: pass('corp-not-implemented') },
  { family: 'cross-origin-resource-policy', source: 'cross-origin-resource-policy › checks header validity: whimsy', headers: { 'cross-origin-resource-policy': 'whimsy' }, observatory: fail('corp-header-invalid') },
  ...['same-site', 'same-origin', 'cross-origin'].map((value): ObservatoryCase => ({
    family: 'cross-origin-resource-policy', source: `cross-origin-resource-policy › checks for ${value}`, headers: { 'cross-origin-resource-policy': value }, observatory: pass(`corp-implemented-with-${value}`),
  })),
];

const cspCases = (test: string, values: string[], observatory: { result: string; pass: boolean }, extra: Partial<ObservatoryCase> = {}): ObservatoryCase[] =>
  values.map((value) => ({ family: 'content-security-policy', source: `csp › ${test}: ${JSON.stringify(value)}`, headers: csp(value), observatory, ...extra }));

const CSP_META_DEFAULT_NONE = doc(`<meta http-equiv="Content-Security-Policy" content="default-src 'none';">`);
const CSP_META_HTTPS = doc('<meta http-equiv="Content-Security-Policy" content="default-src https:">');
const CSP_META_MULTIPLE = doc([
  `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; object-src 'none'; media-src 'none';">`,
  `<meta http-equiv="Content-SECURITY-Policy" content="connect-src 'self'; font-src 'self'; child-src 'self'">`,
  `<meta http-equiv=" Content-Security-Policy " content="img-src 'self'; style-src 'self' 'nonce-gAeQO8jI4VJCsrsXkcUVRCzQjiihKteQ">`,
  `<meta http-equiv="Content-security-Policy" content="script-src 'self' 'unsafe-inline' 'nonce-gAeQO8jI4VJCsrsXkcUVRCzQjiihKteQ'">`,
].join(''));
const CSP_META_FRAME_ANCESTORS = doc(`<meta http-equiv="Content-Security-Policy" content="frame-ancestors 'none'">`);

const cspFamily: ObservatoryCase[] = [
  { family: 'content-security-policy', source: 'csp › missing', observatory: fail('csp-not-implemented') },
  ...cspCases('header invalid', ['  ', '', 'defa'], fail('csp-header-invalid')),
  ...cspCases('header invalid (repeated directive)', ["default-src 'none'; default-src 'none'", "default-src 'none'; img-src 'self'; default-src 'none'"], fail('csp-header-invalid'), { difference: 'csp-repeated-directive' }),
  ...cspCases('header invalid (strict-dynamic without nonce or hash)', ["default-src 'none'; script-src 'strict-dynamic'"], fail('csp-header-invalid'), { difference: 'csp-strict-dynamic-alone' }),
  ...cspCases('insecure scheme broad and unsafe', ["default-src 'none'; script-src https://*", "default-src 'none'; script-src 'unsafe-inline'"], fail('csp-implemented-with-unsafe-inline')),
  ...cspCases('insecure scheme', ['default-src http://mozilla.org', "default-src 'none'; script-src http://mozilla.org", "default-src 'none'; script-src ftp://mozilla.org"], fail('csp-implemented-with-insecure-scheme')),
  ...cspCases('insecure scheme in passive content only', [
    "default-src 'none'; img-src http://mozilla.org",
    "default-src 'self'; img-src ftp:",
    "default-src 'self'; img-src http:",
    "default-src 'none'; img-src https:; media-src http://mozilla.org",
    "default-src 'none'; img-src http: https:; script-src 'self'; style-src 'self'",
    "default-src 'none'; img-src 'none'; media-src http:; script-src 'self'; style-src 'self'",
    "default-src 'none'; img-src 'none'; media-src http:; script-src 'self'; style-src 'unsafe-inline'",
  ], pass('csp-implemented-with-insecure-scheme-in-passive-content-only')),
  ...cspCases('unsafe inline', [
    "script-src 'unsafe-inline'",
    'script-src data:',
    'script-src http:',
    'script-src ftp:',
    "default-src 'unsafe-inline'",
    "default-src 'UNSAFE-INLINE'",
    'upgrade-insecure-requests',
    "script-src 'none'",
    'script-src https:',
    'script-src https://mozilla.org https:',
    'default-src https://mozilla.org https:',
    "default-src 'none'; script-src *",
    "default-src *; script-src *; object-src 'none'",
    "default-src 'none'; script-src 'none'; object-src *",
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'",
    "default-src 'none'; script-src 'unsafe-inline' http:",
    "object-src https:; script-src 'none'",
  ], fail('csp-implemented-with-unsafe-inline')),
  ...cspCases('unsafe eval', ["default-src 'none'; script-src 'unsafe-eval'"], fail('csp-implemented-with-unsafe-eval')),
  ...cspCases('unsafe inline in style src only', [
    "object-src 'none'; script-src 'none'; style-src 'unsafe-inline'",
    "default-src 'none'; script-src https://mozilla.org; style-src 'unsafe-inline'",
    "default-src 'unsafe-inline'; script-src https://mozilla.org",
    "default-src 'none';;; ;;;style-src 'self' 'unsafe-inline'",
    "default-src 'none'; style-src data:",
    "default-src 'none'; style-src *",
    "default-src 'none'; style-src https:",
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-hqBEA/HXB3aJU2FgOnYN8rkAgEVgyfi3Vs1j2/XMPBB=' 'unsafe-inline'",
  ], pass('csp-implemented-with-unsafe-inline-in-style-src-only')),
  ...cspCases('no unsafe', [
    'default-src https://mozilla.org',
    "default-src https://mozilla.org;;; ;;;script-src 'none'",
    "object-src 'none'; script-src https://mozilla.org; style-src https://mozilla.org; upgrade-insecure-requests;",
    "object-src 'none'; script-src 'strict-dynamic' 'nonce-abc' 'unsafe-inline'; style-src 'none'",
    "object-src 'none'; style-src 'self';script-src 'sha256-hqBEA/HXB3aJU2FgOnYN8rkAgEVgyfi3Vs1j2/XMPBA='",
    "object-src 'none'; style-src 'self'; script-src 'unsafe-inline' 'sha256-hqBEA/HXB3aJU2FgOnYN8rkAgEVgyfi3Vs1j2/XMPBA=''sha256-hqBEA/HXB3aJU2FgOnYN8rkAgEVgyfi3Vs1j2/XMPBB='",
    "object-src 'none'; script-src 'unsafe-inline' 'nonce-abc123' 'unsafe-inline'; style-src 'none'",
    "default-src https://mozilla.org; style-src 'unsafe-inline' 'nonce-abc123' 'unsafe-inline'",
    "default-src https://mozilla.org; style-src 'unsafe-inline' 'sha256-hqBEA/HXB3aJU2FgOnYN8rkAgEVgyfi3Vs1j2/XMPBB=' 'unsafe-inline'",
  ], pass('csp-implemented-with-no-unsafe')),
  {
    family: 'content-security-policy', source: 'csp › no unsafe default src none: header default-src http: with <meta> default-src https:',
    headers: csp('default-src http:'), html: CSP_META_HTTPS, observatory: pass('csp-implemented-with-no-unsafe-default-src-none'), difference: 'csp-http-intersected-with-https',
  },
  ...cspCases('no unsafe default src none', [
    'default-src',
    "default-src 'none'; script-src 'strict-dynamic' 'nonce-abc123' 'unsafe-inline'",
    "default-src 'none'; script-src https://mozilla.org; style-src https://mozilla.org; upgrade-insecure-requests;",
    "default-src 'none'; object-src https://mozilla.org",
  ], pass('csp-implemented-with-no-unsafe-default-src-none')),
  { family: 'content-security-policy', source: "csp › no unsafe default src none: <meta> default-src 'none'", html: CSP_META_DEFAULT_NONE, observatory: pass('csp-implemented-with-no-unsafe-default-src-none') },
  { family: 'content-security-policy', source: 'csp › no unsafe default src none: four <meta> policies', html: CSP_META_MULTIPLE, observatory: pass('csp-implemented-with-no-unsafe-default-src-none') },
  { family: 'content-security-policy', source: "csp › no unsafe default src none: header and <meta> default-src 'none'", headers: csp("default-src 'none'"), html: CSP_META_DEFAULT_NONE, observatory: pass('csp-implemented-with-no-unsafe-default-src-none') },
  { family: 'content-security-policy', source: "csp › no unsafe default src none: header default-src 'none', <meta> default-src https:", headers: csp("default-src 'none'"), html: CSP_META_HTTPS, observatory: pass('csp-implemented-with-no-unsafe-default-src-none') },
  { family: 'content-security-policy', source: "csp › no unsafe default src none: header img-src 'none', <meta> default-src 'none'", headers: csp("img-src 'none'"), html: CSP_META_DEFAULT_NONE, observatory: pass('csp-implemented-with-no-unsafe-default-src-none') },
  ...cspCases('strict dynamic', [
    "default-src 'none'; script-src 'strict-dynamic' 'nonce-abc123'",
    "default-src 'none'; script-src 'strict-dynamic' 'sha256-abc123'",
    "default-src 'none'; script-src 'strict-dynamic' 'sha256-abc123' https://*",
    "default-src 'none'; script-src 'strict-dynamic' 'sha256-abc123' 'unsafe-inline'",
  ], pass('csp-implemented-with-no-unsafe-default-src-none')),
  // Policy flags: unsafeObjects, insecureBaseUri, insecureFormAction.
  ...cspCases('policy analysis: unsafeObjects true', ["default-src 'none'; base-uri *; object-src *", "default-src 'none'; base-uri https:; object-src https:", 'default-src *'], fail('unsafeObjects=true'), { property: ['security.csp_object_src_missing'] }),
  ...cspCases('policy analysis: insecureBaseUri true', ["default-src 'none'; base-uri *; object-src *", "default-src 'none'; base-uri https:; object-src https:"], fail('insecureBaseUri=true'), { property: ['security.csp_base_uri_missing'] }),
  ...cspCases('policy analysis: insecureBaseUri true', ['default-src *'], fail('insecureBaseUri=true'), { property: ['security.csp_base_uri_missing'], difference: 'csp-base-uri-host-list' }),
  ...cspCases('policy analysis: insecureBaseUri false', ["default-src *; base-uri 'none'", "default-src 'none'; base-uri 'self'", "default-src 'none'; base-uri https://mozilla.org"], pass('insecureBaseUri=false'), { property: ['security.csp_base_uri_missing'] }),
  ...cspCases('policy analysis: insecureFormAction false', ["default-src *; form-action 'none'", "default-src *; form-action 'self'", "default-src 'none'; form-action 'self' https://mozilla.org", "form-action 'self' https://mozilla.org"], pass('insecureFormAction=false'), { property: ['security.csp_form_action'] }),
  ...cspCases('policy analysis: insecureFormAction true', ['default-src *', "default-src 'none'", 'form-action https:'], fail('insecureFormAction=true'), { property: ['security.csp_form_action'] }),
  { family: 'content-security-policy', source: 'csp › report only', headers: { 'content-security-policy-report-only': "default-src 'none'; report-to /_/csp-reports" }, observatory: fail('csp-not-implemented-but-reporting-enabled') },
  ...cspCases('multiple CSP headers combined per RFC 9110', ["default-src 'none'; script-src 'self', default-src 'none'; script-src 'self'"], pass('csp-implemented-with-no-unsafe-default-src-none')),
  ...cspCases('multiple CSP headers with differing policies', ["default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline', default-src 'none'; style-src 'self', default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'"], pass('csp-implemented-with-no-unsafe-default-src-none')),
  { family: 'content-security-policy', source: 'csp › ignore frame-ancestors in http-equiv: <meta> only', html: CSP_META_FRAME_ANCESTORS, observatory: fail('csp-not-implemented') },
  { family: 'content-security-policy', source: "csp › ignore frame-ancestors in http-equiv: with header frame-anchestors 'none'", html: CSP_META_FRAME_ANCESTORS, headers: csp("frame-anchestors 'none'"), observatory: fail('csp-implemented-with-unsafe-inline') },
];

const INTEGRITY = 'integrity="sha384-zTm/dblzLXQNp3CgY+hfaC/WJ6h4XtNrePh2CW2+rO9GPuNiPb9jmthvAL+oI/dQ" crossorigin="anonymous"';
const NO_HTTPS_ENFORCED = { url: 'http://mozilla.org/', status: 200, headers: {}, body: '' };
const sri = (source: string, html: string, observatory: { result: string; pass: boolean }, extra: Partial<ObservatoryCase> = {}): ObservatoryCase =>
  ({ family: 'subresource-integrity', source: `subresource-integrity › ${source}`, html, observatory, ...extra });
const NOTIMPL_NOPROTO = doc('<script src="/static/js/foo.js"></script><script src="//fb.me/react-0.14.6.min.js"></script>');
const IMPL_NOPROTO = doc(`<script src="//fb.me/react-0.14.6.min.js" ${INTEGRITY}></script>`);
const SAMEORIGIN3 = doc('<script src="//www.mozilla.org/static/js/foo.js"></script>');

const sriFamily: ObservatoryCase[] = [
  sri('checks for no scripts', doc(''), pass('sri-not-implemented-but-no-scripts-loaded')),
  { family: 'subresource-integrity', source: 'subresource-integrity › checks for not html', headers: { 'content-type': 'application/json' }, html: '{"foo": "bar"}', observatory: pass('sri-not-implemented-response-not-html') },
  sri('checks for same origin: protocol-relative www. of the same site', SAMEORIGIN3, pass('sri-not-implemented-but-all-scripts-loaded-from-secure-origin')),
  sri('checks for same origin: the same, HTTP not redirected', SAMEORIGIN3, pass('sri-not-implemented-but-all-scripts-loaded-from-secure-origin'), { plainHttp: NO_HTTPS_ENFORCED }),
  sri('implemented with external scripts and https (remote)', doc(`<script src="/static/js/foo.js"></script><script src="https://fb.me/react-0.14.7.min.js" ${INTEGRITY}></script>`), pass('sri-implemented-and-external-scripts-loaded-securely')),
  sri('implemented with external scripts and https (localhost)', doc(`<script src="/static/js/foo.js"></script><script src="https://localhost/react-0.14.7.min.js" ${INTEGRITY}></script>`), pass('sri-implemented-and-external-scripts-loaded-securely')),
  sri('implemented with same origin', doc(`<script src="/static/js/react-0.14.7.min.js" ${INTEGRITY}></script>`), pass('sri-implemented-and-all-scripts-loaded-securely')),
  sri('not implemented with external scripts and https', doc('<script src="/static/js/foo.js"></script><script src="https://fb.me/react-0.14.7.min.js"></script>'), fail('sri-not-implemented-but-external-scripts-loaded-securely')),
  sri('implemented with external scripts and http', doc(`<script src="/static/js/foo.js"></script><script src="http://fb.me/react-0.14.6.min.js" ${INTEGRITY}></script><script src="https://fb.me/react-0.14.7.min.js" ${INTEGRITY}></script>`), fail('sri-implemented-but-external-scripts-not-loaded-securely')),
  sri('implemented with external scripts and no protocol, HTTP redirected to HTTPS', IMPL_NOPROTO, pass('sri-implemented-and-external-scripts-loaded-securely'), { plainHttp: redirect('https://mozilla.org/') }),
  sri('implemented with external scripts and no protocol, HTTP not redirected', IMPL_NOPROTO, fail('sri-implemented-but-external-scripts-not-loaded-securely'), { plainHttp: NO_HTTPS_ENFORCED, difference: 'sri-protocol-relative-on-https' }),
  sri('not implemented with external scripts and http', doc('<script src="/static/js/foo.js"></script><script src="http://fb.me/react-0.14.6.min.js"></script>'), fail('sri-not-implemented-and-external-scripts-not-loaded-securely')),
  sri('not implemented, no protocol, HTTP redirected to HTTPS', NOTIMPL_NOPROTO, fail('sri-not-implemented-but-external-scripts-loaded-securely'), { plainHttp: redirect('https://mozilla.org/') }),
  sri('not implemented, no protocol, HTTP not redirected', NOTIMPL_NOPROTO, fail('sri-not-implemented-and-external-scripts-not-loaded-securely'), { plainHttp: NO_HTTPS_ENFORCED }),
  sri('not implemented, no protocol, no HTTP server', NOTIMPL_NOPROTO, fail('sri-not-implemented-but-external-scripts-loaded-securely'), { plainHttp: { url: 'http://mozilla.org/', status: null, headers: {}, body: '' } }),
  sri('not implemented, no protocol, redirected through an HTTP hop', NOTIMPL_NOPROTO, fail('sri-not-implemented-and-external-scripts-not-loaded-securely'), { plainHttp: redirect('http://www.mozilla.org/') }),
];

const HSTS = 'strict-transport-security';
const hsts: ObservatoryCase[] = [
  { family: 'strict-transport-security', source: 'strict-transport-security › missing', observatory: fail('hsts-not-implemented') },
  { family: 'strict-transport-security', source: 'strict-transport-security › header invalid: no max-age', headers: { [HSTS]: 'includeSubDomains; preload' }, observatory: fail('hsts-header-invalid') },
  { family: 'strict-transport-security', source: 'strict-transport-security › header invalid: sent twice', headers: { [HSTS]: 'max-age=15768000; includeSubDomains, max-age=15768000; includeSubDomains' }, observatory: fail('hsts-header-invalid'), difference: 'hsts-repeated' },
  { family: 'strict-transport-security', source: 'strict-transport-security › no https', url: 'http://mozilla.org/', headers: { [HSTS]: 'max-age=15768000' }, observatory: fail('hsts-not-implemented-no-https') },
  { family: 'strict-transport-security', source: 'strict-transport-security › max age too low', headers: { [HSTS]: 'max-age=86400' }, observatory: fail('hsts-implemented-max-age-less-than-six-months') },
  { family: 'strict-transport-security', source: 'strict-transport-security › implemented', headers: { [HSTS]: 'max-age=15768000; includeSubDomains; preload' }, observatory: pass('hsts-implemented-max-age-at-least-six-months') },
  ...['https://bugzilla.mozilla.org/', 'https://facebook.com/'].map((url): ObservatoryCase => ({
    family: 'strict-transport-security', source: `strict-transport-security › preloaded: ${url}`, url, observatory: pass('hsts-preloaded'),
    disagreement: 'We do not ship the HSTS preload list, so a preloaded host without the header is reported.',
  })),
  { family: 'strict-transport-security', source: 'strict-transport-security › preloaded: https://dropboxusercontent.com/ (not preloaded)', url: 'https://dropboxusercontent.com/', observatory: fail('hsts-not-implemented') },
];

const redirection: ObservatoryCase[] = [
  { family: 'redirection', source: 'redirection › no http but does have https', plainHttp: { url: 'http://mozilla.org/', status: null, headers: {}, body: '', error: 'ECONNREFUSED' }, observatory: pass('redirection-not-needed-no-http') },
  { family: 'redirection', source: 'redirection › redirection missing', plainHttp: { url: 'http://mozilla.org/', status: 200, headers: {}, body: '' }, observatory: fail('redirection-missing') },
  { family: 'redirection', source: 'redirection › not to https', plainHttp: redirect('http://www.mozilla.org/'), observatory: fail('redirection-not-to-https') },
  { family: 'redirection', source: 'redirection › not to https (longer chain)', plainHttp: redirect('http://www.mozilla.org/'), observatory: fail('redirection-not-to-https') },
  { family: 'redirection', source: 'redirection › proper redirection to https', plainHttp: redirect('https://mozilla.org/'), observatory: pass('redirection-to-https') },
  { family: 'redirection', source: 'redirection › proper redirection to https with port number', plainHttp: redirect('https://mozilla.org:8443/'), observatory: pass('redirection-to-https') },
  { family: 'redirection', source: 'redirection › first redirection to http', plainHttp: redirect('http://www.mozilla.org/'), observatory: fail('redirection-not-to-https-on-initial-redirection') },
  { family: 'redirection', source: 'redirection › first redirection off host', plainHttp: redirect('https://www.mozilla.org/'), observatory: fail('redirection-off-host-from-http') },
  { family: 'redirection', source: 'redirection › all redirections preloaded', url: 'https://cloudflare.com/', plainHttp: { ...redirect('https://cloudflare.com/'), url: 'http://cloudflare.com/' }, observatory: pass('redirection-all-redirects-preloaded') },
];

const cookie = (source: string, cookies: string[], observatory: { result: string; pass: boolean }, extra: Partial<ObservatoryCase> = {}): ObservatoryCase =>
  ({ family: 'cookies', source: `cookies › ${source}`, ...extra, headers: { 'set-cookie': cookies, ...extra.headers }, observatory });
const cookies: ObservatoryCase[] = [
  { family: 'cookies', source: 'cookies › no cookies found', observatory: pass('cookies-not-found') },
  cookie('secure with httponly sessions', ['SESSIONID=bar; Domain=mozilla.org; Path=/; Secure; HttpOnly', 'foo=bar; Domain=mozilla.org; Secure; Path=/', 'heroku-session-affinity=bar; Domain=mozilla.org; Path=/'], pass('cookies-secure-with-httponly-sessions'), { difference: 'cookie-affinity-without-secure' }),
  cookie('secure with httponly sessions and samesite', [
    'SESSIONID_SAMESITE_STRICT=bar; Domain=mozilla.org; Path=/; Secure; HttpOnly; SameSite=Strict',
    'SESSIONID_SAMESITE_LAX=bar; Domain=mozilla.org; Path=/; Secure; HttpOnly; SameSite=Lax',
    'SESSIONID_SAMESITE_NONE=bar; Domain=mozilla.org; Path=/; Secure; HttpOnly; SameSite=None',
  ], pass('cookies-secure-with-httponly-sessions-and-samesite')),
  cookie('samesite not awarded if not all cookies samesite', [
    'SESSIONID_SAMESITE_STRICT=bar; Domain=mozilla.org; Path=/; Secure; HttpOnly; SameSite=Strict',
    'SESSIONID_SAMESITE_NO_SAMESITE=bar; Domain=mozilla.org; Path=/; Secure; HttpOnly',
    'SESSIONID_SAMESITE_LAX=bar; Domain=mozilla.org; Path=/; Secure; HttpOnly; SameSite=Lax',
    'SESSIONID_SAMESITE_NONE=bar; Domain=mozilla.org; Path=/; Secure; HttpOnly; SameSite=None',
  ], pass('cookies-secure-with-httponly-sessions')),
  cookie('anticsrf without samesite', ['CSRFTOKEN=bar; Domain=mozilla.org; Path=/; Secure; HttpOnly'], fail('cookies-anticsrf-without-samesite-flag')),
  ...['SameSite=', 'SameSite=True', 'SameSite=Invalid'].map((flag) =>
    cookie(`samesite invalid: ${flag}`, [`SESSIONID=bar; Domain=mozilla.org; Path=/; Secure; HttpOnly; ${flag}`], fail('cookies-samesite-flag-invalid'))),
  cookie('regular cookie no secure but hsts', ['foo=bar; Domain=mozilla.org; Path=/'], fail('cookies-without-secure-flag-but-protected-by-hsts'), { headers: { [HSTS]: 'max-age=15768000' } }),
  cookie('session cookie no secure but hsts', ['SESSIONID=bar; Domain=mozilla.org; Path=/; HttpOnly'], fail('cookies-session-without-secure-flag-but-protected-by-hsts'), { headers: { [HSTS]: 'max-age=15768000' } }),
  cookie('no secure', ['foo=bar; Domain=mozilla.org; Path=/'], fail('cookies-without-secure-flag')),
  cookie('session no httponly', ['SESSIONID=bar; Domain=mozilla.org; Path=/; Secure'], fail('cookies-session-without-httponly-flag')),
  cookie('session no secure', ['SESSIONID=bar; Domain=mozilla.org; Path=/; HttpOnly'], fail('cookies-session-without-secure-flag')),
  cookie('session no secure, no flags at all', ['SESSIONID=bar; Domain=mozilla.org; Path=/'], fail('cookies-session-without-secure-flag')),
];

const ACAO = 'access-control-allow-origin';
const cors: ObservatoryCase[] = [
  { family: 'cors', source: 'cors › not implemented', observatory: pass('cross-origin-resource-sharing-not-implemented') },
  { family: 'cors', source: 'cors › public access', headers: { [ACAO]: '*' }, observatory: pass('cross-origin-resource-sharing-implemented-with-public-access') },
  { family: 'cors', source: 'cors › restricted access', headers: { [ACAO]: 'https://mozilla.org' }, observatory: pass('cross-origin-resource-sharing-implemented-with-restricted-access') },
  {
    family: 'cors', source: 'cors › universal access (the request Origin reflected, with credentials)',
    headers: { [ACAO]: 'https://http-observatory.security.mozilla.org', 'access-control-allow-credentials': 'true' }, observatory: fail('cross-origin-resource-sharing-implemented-with-universal-access'),
    disagreement: 'Our scan sends no Origin, so a reflected Origin looks like one fixed trusted origin.',
  },
];

export const OBSERVATORY_CASES: readonly ObservatoryCase[] = [...xcto, ...xfo, ...referrer, ...cspFamily, ...sriFamily, ...corp, ...hsts, ...redirection, ...cookies, ...cors].map(
  (c) => ({ url: SITE, ...c }),
);
