import { parseSetCookie } from 'set-cookie-parser';
import { getDomain } from 'tldts-icann';
import { headerValues, selectElements, type PageArtifact } from '../artifacts.ts';
import type { Detection } from '../types.ts';

/** Parsing shared by the security checks: what the browser would make of the page's headers and markup. */

export function isHttps(page: PageArtifact): boolean {
  return new URL(page.finalUrl).protocol === 'https:';
}

/**
 * The site (scheme and registrable domain, per the ICANN public suffix list) of a URL, as HTML's
 * "same site" uses it: www.example.com and example.com are one site. A host with no registrable
 * domain (an IP address, localhost) stands for its origin: another port there may well be another
 * party's service, and nothing says otherwise.
 */
export function siteOf(url: URL): string {
  const domain = getDomain(url.hostname);
  return domain ? `${url.protocol}//${domain}` : url.origin;
}

export interface CspPolicy {
  source: 'header' | 'meta';
  value: string;
  /** Directive name (lower-cased) → its sources as written. */
  directives: Map<string, string[]>;
}

/**
 * The enforced policies: every comma-separated policy of every `Content-Security-Policy` header,
 * then those of `<meta http-equiv>` in the head (which cannot carry frame-ancestors, so
 * `meta: false` leaves them out). Report-only policies are not enforced and never included.
 */
export function cspPolicies(page: PageArtifact, { meta = true } = {}): CspPolicy[] {
  const fromHeader = headerValues(page.headers, 'content-security-policy').flatMap((v) => v.split(','));
  const fromMeta = meta
    ? selectElements(page, ['meta'], 'head > meta[http-equiv="content-security-policy" i]').map((el) => page.dom(el).attr('content') ?? '')
    : [];
  return [
    ...fromHeader.map((value) => parsePolicy('header', value)),
    ...fromMeta.map((value) => parsePolicy('meta', value)),
  ].filter((p) => p.directives.size > 0);
}

// CSP3 §3.3: a <meta> policy cannot carry these; browsers drop them (with a console warning).
const HEADER_ONLY_DIRECTIVES = new Set(['frame-ancestors', 'report-uri', 'sandbox']);

function parsePolicy(source: CspPolicy['source'], value: string): CspPolicy {
  const directives = new Map<string, string[]>();
  for (const directive of value.split(';')) {
    const [raw, ...sources] = directive.trim().split(/\s+/);
    const name = raw?.toLowerCase();
    if (!name || (source === 'meta' && HEADER_ONLY_DIRECTIVES.has(name))) continue;
    // Per CSP, a repeated directive is ignored: the first one wins.
    if (!directives.has(name)) directives.set(name, sources);
  }
  return { source, value: value.trim(), directives };
}

/** The sources a fetch directive is governed by: its own, else default-src; undefined when neither is set. */
export function effectiveSources(policy: CspPolicy, name: string): string[] | undefined {
  return policy.directives.get(name) ?? policy.directives.get('default-src');
}

/**
 * Sources that let anyone serve the resource: any host ('*'), a whole scheme over the network
 * (http:, https:, ftp:, ws:, wss:) or a wildcard host under a scheme (https://*, https://*.*).
 * An empty list or 'none' matches nothing and is not broad.
 */
export function isBroadSource(source: string): boolean {
  const s = source.toLowerCase();
  if (s === '*' || /^(https?|ftp|wss?):$/.test(s)) return true;
  return /^[a-z][a-z0-9+.-]*:\/\/\*(\.\*)?(:(\*|\d+))?\/?$/.test(s);
}

/** A source that lets the resource come over an unencrypted scheme (http:, http://host, ftp://host). */
export function isInsecureSchemeSource(source: string): boolean {
  return /^(http|ftp):/.test(source.toLowerCase());
}

/** The directive that governs scripts: script-src, else default-src. */
export function scriptDirective(policy: CspPolicy): { name: string; sources: string[] } | undefined {
  for (const name of ['script-src', 'default-src']) {
    const sources = policy.directives.get(name);
    if (sources) return { name, sources };
  }
  return undefined;
}

export function hasSource(sources: string[], predicate: (source: string) => boolean): boolean {
  return sources.some((s) => predicate(s.toLowerCase()));
}

export const isNonceOrHash = (s: string) => /^'(nonce|sha256|sha384|sha512)-/.test(s);

export function cspEvidence(policies: CspPolicy[]): Record<string, unknown> {
  return { header: 'content-security-policy', policies: policies.map(({ source, value }) => ({ source, value })) };
}

/**
 * A browser enforces every policy, so a defect is real only when each policy has it. `defect` returns
 * the offending text of a policy, or undefined when that policy is sound. The offending texts, or []
 * when some policy is sound (or there is none).
 */
export function defectInEveryPolicy(policies: CspPolicy[], defect: (p: CspPolicy) => string | undefined): string[] {
  const found = policies.map(defect);
  return found.length > 0 && found.every((d) => d !== undefined) ? found : [];
}

/** defectInEveryPolicy for script sources: a policy that does not restrict scripts allows everything. */
export function scriptDefects(policies: CspPolicy[], allows: (sources: string[]) => boolean): string[] {
  return defectInEveryPolicy(policies, (policy) => {
    const d = scriptDirective(policy);
    if (!d) return 'neither script-src nor default-src';
    return allows(d.sources) ? [d.name, ...d.sources].join(' ') : undefined;
  });
}

/** max-age in seconds of the first STS header (RFC 6797 §8.1: only the first counts); undefined if invalid. */
export function hstsMaxAge(value: string): number | undefined {
  for (const directive of (value.split(',')[0] ?? '').split(';')) {
    const [name, raw] = directive.split('=').map((s) => s.trim());
    if (name?.toLowerCase() !== 'max-age' || raw === undefined) continue;
    const digits = raw.replace(/^"(.*)"$/, '$1');
    return /^\d+$/.test(digits) ? Number(digits) : undefined;
  }
  return undefined;
}

const REFERRER_POLICIES = new Set([
  'no-referrer',
  'no-referrer-when-downgrade',
  'same-origin',
  'origin',
  'strict-origin',
  'origin-when-cross-origin',
  'strict-origin-when-cross-origin',
  'unsafe-url',
]);

// Legacy keywords HTML still accepts in <meta name="referrer">.
const LEGACY_META_REFERRER: Record<string, string> = {
  never: 'no-referrer',
  default: 'strict-origin-when-cross-origin',
  always: 'unsafe-url',
  'origin-when-crossorigin': 'origin-when-cross-origin',
};

export interface ReferrerPolicy {
  /** The policy in force, if any valid one was declared. */
  policy: string | undefined;
  /** Every value declared, as written: header values, then meta contents. */
  declared: string[];
}

/**
 * The header's last valid token wins (Referrer Policy spec); a `<meta name="referrer">` is applied
 * after the header, so the last valid meta overrides it.
 */
export function referrerPolicy(page: PageArtifact): ReferrerPolicy {
  const header = headerValues(page.headers, 'referrer-policy');
  const metas = selectElements(page, ['meta'], 'meta[name="referrer" i]').map((el) => page.dom(el).attr('content') ?? '');
  const tokens = [
    ...header.flatMap((v) => v.split(',')).map((t) => t.trim().toLowerCase()),
    ...metas.map((m) => m.trim().toLowerCase()).map((m) => LEGACY_META_REFERRER[m] ?? m),
  ];
  return { policy: tokens.filter((t) => REFERRER_POLICIES.has(t)).at(-1), declared: [...header, ...metas] };
}

export interface CookieFlags {
  name: string;
  secure: boolean;
  httpOnly: boolean;
  /** Lower-cased; undefined when absent or not one of strict, lax, none (browsers ignore those). */
  sameSite: 'strict' | 'lax' | 'none' | undefined;
  /** The SameSite attribute as written, when present (an empty value included). */
  sameSiteDeclared: string | undefined;
}

export function cookies(page: PageArtifact): CookieFlags[] {
  return parseSetCookie(headerValues(page.headers, 'set-cookie'), { decodeValues: false }).map((c) => {
    const sameSite = c.sameSite?.toLowerCase();
    return {
      name: c.name,
      secure: c.secure === true,
      httpOnly: c.httpOnly === true,
      sameSite: sameSite === 'strict' || sameSite === 'lax' || sameSite === 'none' ? sameSite : undefined,
      sameSiteDeclared: c.sameSite,
    };
  });
}

/** One detection naming the cookies (never their values) that have a defect, or none. */
export function cookieDetections(names: string[], what: string): Detection[] {
  const unique = [...new Set(names)];
  if (unique.length === 0) return [];
  return [{ detail: `${what}: ${unique.join(', ')}.`, evidence: { header: 'set-cookie', cookies: unique } }];
}

export const STYLESHEET_LINK = 'link[rel~="stylesheet" i][href]';

/**
 * The URLs `attr` of the elements matching `selector` point to, resolved as the browser does
 * (against `<base href>`), with each element's attributes. `srcset` lists are split into URLs.
 */
export function subresources(page: PageArtifact, tags: readonly string[], selector: string, attr: string): { url: URL; attribs: Record<string, string> }[] {
  const base = URL.parse(page.dom(selectElements(page, ['base'], 'base[href]')).first().attr('href') ?? '', page.finalUrl)?.href ?? page.finalUrl;
  return selectElements(page, tags, selector).flatMap((el) => {
    const attribs = page.dom(el).attr() ?? {};
    const value = attribs[attr] ?? '';
    const refs = attr === 'srcset' ? value.split(',').map((c) => c.trim().split(/\s+/)[0] ?? '') : [value.trim()];
    return refs.flatMap((ref) => {
      const url = ref ? URL.parse(ref, base) : null;
      return url ? [{ url, attribs }] : [];
    });
  });
}

/**
 * Headers that name the server software or framework. A version is a digit, a dot, a digit:
 * `/\d+\.\d+/` says the same but backtracks quadratically over a header of digits.
 */
const DISCLOSING_HEADERS = ['server', 'x-powered-by', 'x-aspnet-version', 'x-aspnetmvc-version'];

export function disclosingHeaders(page: PageArtifact): { header: string; value: string; version: boolean }[] {
  return DISCLOSING_HEADERS.flatMap((header) =>
    headerValues(page.headers, header).map((value) => ({ header, value, version: /\d\.\d/.test(value) })),
  );
}
