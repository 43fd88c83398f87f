import type { SecurityArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { clickjacking } from './clickjacking.ts';
import { contentTypeOptions } from './content-type-options.ts';
import { cookieHttpOnly } from './cookie-httponly.ts';
import { cookieSameSite } from './cookie-samesite.ts';
import { cookieSecure } from './cookie-secure.ts';
import { corp } from './corp.ts';
import { cors } from './cors.ts';
import { cspBaseUri } from './csp-base-uri.ts';
import { cspBroadScriptSources } from './csp-broad-script-sources.ts';
import { cspFormAction } from './csp-form-action.ts';
import { cspMissing } from './csp-missing.ts';
import { cspObjectSrc } from './csp-object-src.ts';
import { cspUnsafeEval } from './csp-unsafe-eval.ts';
import { cspUnsafeInline } from './csp-unsafe-inline.ts';
import { hstsMissing } from './hsts-missing.ts';
import { hstsShortMaxAge } from './hsts-short-max-age.ts';
import { httpsRedirect } from './https-redirect.ts';
import { mixedContentActive } from './mixed-content-active.ts';
import { mixedContentPassive } from './mixed-content-passive.ts';
import { permissionsPolicy } from './permissions-policy.ts';
import { plainHttp } from './plain-http.ts';
import { referrerPolicyMissing } from './referrer-policy-missing.ts';
import { referrerPolicyUnsafe } from './referrer-policy-unsafe.ts';
import { sri } from './sri.ts';
import { stackDisclosure } from './stack-disclosure.ts';
import { versionDisclosure } from './version-disclosure.ts';

/** Transport first, then the policies the page sends, then what it loads and leaks. */
export const securityChecks: readonly Check<SecurityArtifacts>[] = [
  plainHttp,
  httpsRedirect,
  hstsMissing,
  hstsShortMaxAge,
  cspMissing,
  cspUnsafeInline,
  cspUnsafeEval,
  cspBroadScriptSources,
  cspObjectSrc,
  cspBaseUri,
  cspFormAction,
  clickjacking,
  contentTypeOptions,
  referrerPolicyMissing,
  referrerPolicyUnsafe,
  permissionsPolicy,
  cookieSecure,
  cookieHttpOnly,
  cookieSameSite,
  mixedContentActive,
  mixedContentPassive,
  sri,
  cors,
  corp,
  versionDisclosure,
  stackDisclosure,
];
