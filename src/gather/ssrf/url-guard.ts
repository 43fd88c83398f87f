import { isIP } from 'node:net';
import { metadataService, reservedRange } from './address-policy.ts';
import { normaliseHost, portOf, type HostAllowlist } from './host-allowlist.ts';

export const MAX_URL_LENGTH = 2048;

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

// Special-use names (RFC 6761, 6762, 7686, 8375, ICANN's .internal) and names commonly used on
// private networks that are not delegated in the public DNS root.
const LOCAL_SUFFIXES = ['localhost', 'local', 'localdomain', 'internal', 'home.arpa', 'onion', 'test', 'invalid', 'lan', 'intranet', 'corp', 'home'];

/**
 * Decides whether a URL may be scanned/fetched, before any DNS lookup. Name targets still have
 * to pass the resolved-address check at connect time (see safe-fetch.ts).
 */
export function checkTargetUrl(input: string, allowlist: HostAllowlist): UrlCheck {
  if (input.length > MAX_URL_LENGTH) return fail(`URL is longer than ${MAX_URL_LENGTH} characters`);
  // WHATWG parsing turns decimal, octal, hex and shortened IPv4 forms (2130706433, 0x7f.1, 127.1)
  // into dotted quads and percent-decodes/IDNA-maps the host, so the checks below see the real target.
  const url = URL.parse(input);
  if (!url) return fail('not a valid URL');
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail('only http and https URLs are allowed');
  if (url.username || url.password) return fail('URLs with credentials (user:pass@) are not allowed');

  const host = normaliseHost(url.hostname);
  const port = portOf(url);
  // Before the allowlist: no entry opens the instance's own ports or a metadata service.
  const own = allowlist.own.refusal(host, port);
  if (own) return fail(own);
  const metadata = metadataService(host);
  if (metadata) return fail(`host is a cloud metadata service (${metadata})`);
  if (allowlist.allowsHost(host, port)) return { ok: true, url };

  if (isIP(host)) {
    const range = reservedRange(host);
    return range ? fail(`host is in a private or reserved address range (${range})`) : { ok: true, url };
  }

  const labels = host.split('.');
  if (labels.some((label) => label === '')) return fail('host name has an empty label');
  // Unreachable through WHATWG parsing (a numeric last label makes it an IPv4 address or an
  // invalid URL), kept so a parser change cannot let an IP-like name through unjudged.
  if (/^(0x[0-9a-f]*|\d+)$/.test(labels.at(-1) ?? '')) return fail('host looks like an IP address but is not a valid one');
  const suffix = LOCAL_SUFFIXES.find((s) => host === s || host.endsWith(`.${s}`));
  if (suffix) return fail(`host names under .${suffix} are reserved for local or special use`);
  if (labels.length === 1) return fail('single-label host names are not allowed');
  return { ok: true, url };
}

function fail(reason: string): UrlCheck {
  return { ok: false, reason };
}
