import { isIP } from 'node:net';
import { defaultResolve, type Resolver } from '../gather/safe-fetch.ts';
import { normaliseHost, portOf, type HostAllowlist } from '../gather/ssrf/host-allowlist.ts';
import { resolvedAddressRefusal } from '../gather/ssrf/target-policy.ts';
import { checkTargetUrl } from '../gather/ssrf/url-guard.ts';

export type BaseUrlCheck = { ok: true; url: string } | { ok: false; reason: string };

/**
 * Whether a tracker API base may be called with the integration's credentials: the scan targets'
 * SSRF guard (public hosts only, SITEWARDEN_ALLOW_PRIVATE_HOSTS aside), then the addresses its
 * name resolves to now. Run when the integration is connected and again before every sync.
 *
 * - https only, except for an allowlisted host (a tracker on the operator's own network or a test
 *   fake): a token must not cross the internet in clear text.
 * - No query or fragment: the SDKs append paths to it.
 *
 * The SDKs' connections afterwards pass the same address check again at connect time
 * (transport.ts), so a name that answers a public address here and a private one a moment later
 * (DNS rebinding) is refused there.
 */
export async function checkTrackerBaseUrl(input: string, allowlist: HostAllowlist, resolve: Resolver = defaultResolve): Promise<BaseUrlCheck> {
  const check = checkTargetUrl(input, allowlist);
  if (!check.ok) return check;
  const url = check.url;
  const host = normaliseHost(url.hostname);
  if (url.search || url.hash) return { ok: false, reason: 'must not have a query or fragment' };
  if (url.protocol !== 'https:' && !allowlist.allowsHost(host, portOf(url))) return { ok: false, reason: 'must use https' };
  if (!isIP(host)) {
    let addresses: string[];
    try {
      addresses = await resolve(host);
    } catch {
      return { ok: false, reason: `${host} does not resolve` };
    }
    if (addresses.length === 0) return { ok: false, reason: `${host} does not resolve` };
    const refusal = resolvedAddressRefusal(host, addresses, allowlist, portOf(url));
    if (refusal) return { ok: false, reason: refusal };
  }
  return { ok: true, url: url.href.replace(/\/+$/, '') };
}
