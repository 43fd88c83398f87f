import { headerValues, type SecurityArtifacts } from '../artifacts.ts';
import { runCheck, type Check } from '../types.ts';
import { clickjacking } from './clickjacking.ts';
import { cors } from './cors.ts';
import { cspBroadScriptSources } from './csp-broad-script-sources.ts';
import { cspObjectSrc } from './csp-object-src.ts';
import { cspUnsafeEval } from './csp-unsafe-eval.ts';
import { cspUnsafeInline } from './csp-unsafe-inline.ts';
import {
  cookies,
  cspPolicies,
  defectInEveryPolicy,
  effectiveSources,
  hasSource,
  hstsMaxAge,
  isBroadSource,
  isHttps,
  isInsecureSchemeSource,
  isNonceOrHash,
  referrerPolicy,
  siteOf,
  subresources,
} from './parse.ts';

/**
 * What each test of the HTTP Observatory would conclude about the page, read the way our checks read
 * it (so a documented difference of docs/security-checks.md shows here too, e.g. ALLOW-FROM does not
 * protect). The results are the Observatory's names; src/domain/security-grade.ts scores them.
 * Pure, like the checks: gathered artifacts in, a closed set of results out.
 */

export const OBSERVATORY_RESULTS = {
  'content-security-policy': [
    'csp-implemented-with-no-unsafe-default-src-none',
    'csp-implemented-with-no-unsafe',
    'csp-implemented-with-unsafe-inline-in-style-src-only',
    'csp-implemented-with-insecure-scheme-in-passive-content-only',
    'csp-implemented-with-unsafe-eval',
    'csp-implemented-with-unsafe-inline',
    'csp-implemented-with-insecure-scheme',
    'csp-not-implemented-but-reporting-enabled',
    'csp-not-implemented',
  ],
  cookies: [
    'cookies-secure-with-httponly-sessions-and-samesite',
    'cookies-secure-with-httponly-sessions',
    'cookies-not-found',
    'cookies-without-secure-flag-but-protected-by-hsts',
    'cookies-session-without-secure-flag-but-protected-by-hsts',
    'cookies-without-secure-flag',
    'cookies-samesite-flag-invalid',
    'cookies-anticsrf-without-samesite-flag',
    'cookies-session-without-httponly-flag',
    'cookies-session-without-secure-flag',
  ],
  'cross-origin-resource-sharing': [
    'cross-origin-resource-sharing-not-implemented',
    'cross-origin-resource-sharing-implemented-with-public-access',
    'cross-origin-resource-sharing-implemented-with-restricted-access',
    'cross-origin-resource-sharing-implemented-with-universal-access',
  ],
  redirection: [
    'redirection-to-https',
    'redirection-not-needed-no-http',
    'redirection-off-host-from-http',
    'redirection-not-to-https',
    'redirection-missing',
  ],
  'referrer-policy': ['referrer-policy-private', 'referrer-policy-not-implemented', 'referrer-policy-unsafe', 'referrer-policy-header-invalid'],
  'strict-transport-security': [
    'hsts-implemented-max-age-at-least-six-months',
    'hsts-implemented-max-age-less-than-six-months',
    'hsts-not-implemented',
    'hsts-header-invalid',
    'hsts-not-implemented-no-https',
  ],
  'subresource-integrity': [
    'sri-implemented-and-all-scripts-loaded-securely',
    'sri-implemented-and-external-scripts-loaded-securely',
    'sri-not-implemented-response-not-html',
    'sri-not-implemented-but-no-scripts-loaded',
    'sri-not-implemented-but-all-scripts-loaded-from-secure-origin',
    'sri-not-implemented-but-external-scripts-loaded-securely',
    'sri-implemented-but-external-scripts-not-loaded-securely',
    'sri-not-implemented-and-external-scripts-not-loaded-securely',
  ],
  'x-content-type-options': ['x-content-type-options-nosniff', 'x-content-type-options-not-implemented', 'x-content-type-options-header-invalid'],
  'x-frame-options': [
    'x-frame-options-implemented-via-csp',
    'x-frame-options-sameorigin-or-deny',
    'x-frame-options-not-implemented',
    'x-frame-options-header-invalid',
  ],
  'cross-origin-resource-policy': [
    'corp-implemented-with-same-origin',
    'corp-implemented-with-same-site',
    'corp-implemented-with-cross-origin',
    'corp-not-implemented',
    'corp-header-invalid',
  ],
} as const;

export type ObservatoryTest = keyof typeof OBSERVATORY_RESULTS;
export type ObservatoryResult = (typeof OBSERVATORY_RESULTS)[ObservatoryTest][number];
export const OBSERVATORY_TESTS = Object.keys(OBSERVATORY_RESULTS) as ObservatoryTest[];

const fires = (check: Check<SecurityArtifacts>, artifacts: SecurityArtifacts) => runCheck(check, artifacts).length > 0;

/** One result per test, in OBSERVATORY_TESTS order. */
export function observatoryResults(artifacts: SecurityArtifacts): Record<ObservatoryTest, ObservatoryResult> {
  return {
    'content-security-policy': csp(artifacts),
    cookies: cookieResult(artifacts),
    'cross-origin-resource-sharing': corsResult(artifacts),
    redirection: redirection(artifacts),
    'referrer-policy': referrer(artifacts),
    'strict-transport-security': hsts(artifacts),
    'subresource-integrity': sri(artifacts),
    'x-content-type-options': xcto(artifacts),
    'x-frame-options': xfo(artifacts),
    'cross-origin-resource-policy': corp(artifacts),
  };
}

function csp(artifacts: SecurityArtifacts): ObservatoryResult {
  const { page } = artifacts;
  const policies = cspPolicies(page);
  if (policies.length === 0) {
    return headerValues(page.headers, 'content-security-policy-report-only').length > 0 ? 'csp-not-implemented-but-reporting-enabled' : 'csp-not-implemented';
  }
  const https = isHttps(page);
  // Scripts from any host (not merely over plain HTTP), inline scripts and unrestricted plugins are all "unsafe inline".
  const anyHostScripts = defectInEveryPolicy(policies, (p) => {
    const sources = effectiveSources(p, 'script-src');
    return sources && hasSource(sources, (s) => isBroadSource(s) || s === 'data:') && !hasSource(sources, (s) => s === "'strict-dynamic'") ? 'broad' : undefined;
  }).length > 0;
  if (fires(cspUnsafeInline, artifacts) || fires(cspObjectSrc, artifacts) || anyHostScripts) return 'csp-implemented-with-unsafe-inline';
  if (fires(cspBroadScriptSources, artifacts)) return 'csp-implemented-with-insecure-scheme';
  if (fires(cspUnsafeEval, artifacts)) return 'csp-implemented-with-unsafe-eval';
  const passiveInsecure = https && defectInEveryPolicy(policies, (p) =>
    ['img-src', 'media-src'].some((d) => hasSource(effectiveSources(p, d) ?? [], isInsecureSchemeSource)) ? 'insecure' : undefined).length > 0;
  if (passiveInsecure) return 'csp-implemented-with-insecure-scheme-in-passive-content-only';
  const unsafeStyle = defectInEveryPolicy(policies, (p) => {
    const sources = effectiveSources(p, 'style-src');
    if (sources === undefined) return 'unrestricted';
    const inline = hasSource(sources, (s) => s === "'unsafe-inline'") && !hasSource(sources, isNonceOrHash);
    return inline || hasSource(sources, (s) => isBroadSource(s) || s === 'data:') ? 'unsafe' : undefined;
  }).length > 0;
  if (unsafeStyle) return 'csp-implemented-with-unsafe-inline-in-style-src-only';
  const defaultNone = policies.some((p) => {
    const d = p.directives.get('default-src');
    return d !== undefined && (d.length === 0 || (d.length === 1 && d[0]?.toLowerCase() === "'none'"));
  });
  return defaultNone ? 'csp-implemented-with-no-unsafe-default-src-none' : 'csp-implemented-with-no-unsafe';
}

const SESSION_LIKE = /sess|sid|auth|token|jwt|login|remember/i;
const ANTI_CSRF = /csrf|xsrf/i;

function cookieResult({ page }: SecurityArtifacts): ObservatoryResult {
  const all = cookies(page);
  if (all.length === 0) return 'cookies-not-found';
  const https = isHttps(page);
  const hsts = https && (hstsMaxAge(headerValues(page.headers, 'strict-transport-security')[0] ?? '') ?? 0) > 0;
  const insecure = (c: (typeof all)[number]) => !https || !c.secure;
  const session = all.filter((c) => SESSION_LIKE.test(c.name));
  // The worst result found, in the Observatory's order of gravity.
  if (session.some(insecure)) return hsts ? 'cookies-session-without-secure-flag-but-protected-by-hsts' : 'cookies-session-without-secure-flag';
  if (session.some((c) => !c.httpOnly)) return 'cookies-session-without-httponly-flag';
  if (all.some((c) => ANTI_CSRF.test(c.name) && c.sameSite === undefined)) return 'cookies-anticsrf-without-samesite-flag';
  if (all.some((c) => c.sameSiteDeclared !== undefined && c.sameSite === undefined)) return 'cookies-samesite-flag-invalid';
  if (all.some(insecure)) return hsts ? 'cookies-without-secure-flag-but-protected-by-hsts' : 'cookies-without-secure-flag';
  return all.every((c) => c.sameSite !== undefined) ? 'cookies-secure-with-httponly-sessions-and-samesite' : 'cookies-secure-with-httponly-sessions';
}

function corsResult(artifacts: SecurityArtifacts): ObservatoryResult {
  if (fires(cors, artifacts)) return 'cross-origin-resource-sharing-implemented-with-universal-access';
  const origins = headerValues(artifacts.page.headers, 'access-control-allow-origin').map((v) => v.trim());
  if (origins.length === 0) return 'cross-origin-resource-sharing-not-implemented';
  return origins.includes('*') ? 'cross-origin-resource-sharing-implemented-with-public-access' : 'cross-origin-resource-sharing-implemented-with-restricted-access';
}

const REDIRECTS = new Set([301, 302, 307, 308]);

function redirection({ page, plainHttp }: SecurityArtifacts): ObservatoryResult {
  // A page that ends on plain HTTP was not sent to HTTPS.
  if (!isHttps(page)) return 'redirection-missing';
  if (!plainHttp || plainHttp.status === null) return 'redirection-not-needed-no-http';
  const location = plainHttp.location ?? headerValues(plainHttp.headers, 'location')[0];
  const target = location ? URL.parse(location, plainHttp.url) : null;
  if (!REDIRECTS.has(plainHttp.status) || !target) return 'redirection-missing';
  if (target.protocol !== 'https:') return 'redirection-not-to-https';
  return target.hostname === new URL(plainHttp.url).hostname ? 'redirection-to-https' : 'redirection-off-host-from-http';
}

const PRIVATE_REFERRER = new Set(['no-referrer', 'same-origin', 'strict-origin', 'strict-origin-when-cross-origin']);

function referrer({ page }: SecurityArtifacts): ObservatoryResult {
  const { policy } = referrerPolicy(page);
  if (policy) return PRIVATE_REFERRER.has(policy) ? 'referrer-policy-private' : 'referrer-policy-unsafe';
  return headerValues(page.headers, 'referrer-policy').length > 0 ? 'referrer-policy-header-invalid' : 'referrer-policy-not-implemented';
}

const SIX_MONTHS = 15_768_000;

function hsts({ page }: SecurityArtifacts): ObservatoryResult {
  if (!isHttps(page)) return 'hsts-not-implemented-no-https';
  const value = headerValues(page.headers, 'strict-transport-security')[0];
  if (value === undefined) return 'hsts-not-implemented';
  const maxAge = hstsMaxAge(value);
  if (!maxAge) return 'hsts-header-invalid';
  return maxAge >= SIX_MONTHS ? 'hsts-implemented-max-age-at-least-six-months' : 'hsts-implemented-max-age-less-than-six-months';
}

function sri({ page }: SecurityArtifacts): ObservatoryResult {
  const type = headerValues(page.headers, 'content-type')[0]?.toLowerCase() ?? '';
  if (type && !type.includes('html')) return 'sri-not-implemented-response-not-html';
  const scripts = subresources(page, ['script'], 'script[src]', 'src');
  if (scripts.length === 0) return 'sri-not-implemented-but-no-scripts-loaded';
  const site = siteOf(new URL(page.finalUrl));
  const withIntegrity = (s: (typeof scripts)[number]) => Boolean(s.attribs.integrity?.trim());
  const external = scripts.filter((s) => siteOf(s.url) !== site);
  if (external.length === 0) {
    return scripts.every(withIntegrity) ? 'sri-implemented-and-all-scripts-loaded-securely' : 'sri-not-implemented-but-all-scripts-loaded-from-secure-origin';
  }
  const secure = external.every((s) => s.url.protocol === 'https:');
  const implemented = external.every(withIntegrity);
  if (secure) return implemented ? 'sri-implemented-and-external-scripts-loaded-securely' : 'sri-not-implemented-but-external-scripts-loaded-securely';
  return implemented ? 'sri-implemented-but-external-scripts-not-loaded-securely' : 'sri-not-implemented-and-external-scripts-not-loaded-securely';
}

function xcto({ page }: SecurityArtifacts): ObservatoryResult {
  const values = headerValues(page.headers, 'x-content-type-options');
  if (values.length === 0) return 'x-content-type-options-not-implemented';
  return values.join(',').split(',')[0]?.trim().toLowerCase() === 'nosniff' ? 'x-content-type-options-nosniff' : 'x-content-type-options-header-invalid';
}

function xfo(artifacts: SecurityArtifacts): ObservatoryResult {
  const { page } = artifacts;
  const blocked = !fires(clickjacking, artifacts);
  const ancestors = cspPolicies(page, { meta: false }).some((p) => p.directives.has('frame-ancestors'));
  if (blocked) return ancestors ? 'x-frame-options-implemented-via-csp' : 'x-frame-options-sameorigin-or-deny';
  return headerValues(page.headers, 'x-frame-options').length > 0 ? 'x-frame-options-header-invalid' : 'x-frame-options-not-implemented';
}

function corp({ page }: SecurityArtifacts): ObservatoryResult {
  const values = headerValues(page.headers, 'cross-origin-resource-policy');
  if (values.length === 0) return 'corp-not-implemented';
  const value = values.length === 1 ? values[0]?.trim() : undefined;
  if (value === 'same-origin') return 'corp-implemented-with-same-origin';
  if (value === 'same-site') return 'corp-implemented-with-same-site';
  if (value === 'cross-origin') return 'corp-implemented-with-cross-origin';
  return 'corp-header-invalid';
}
