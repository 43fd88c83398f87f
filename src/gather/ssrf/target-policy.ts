import { metadataService, reservedRange } from './address-policy.ts';
import type { HostAllowlist } from './host-allowlist.ts';

/**
 * Judges the addresses DNS gave for a host name: why the name must not be reached there, or
 * undefined when it may. IP-literal hosts are judged by checkTargetUrl and never come here.
 * `port`, when the caller knows it (the browser guard does; a DNS lookup does not, its URL's
 * port was judged before), also keeps listed names off the instance's own ports.
 */
export function resolvedAddressRefusal(hostname: string, addresses: readonly string[], allowlist: HostAllowlist, port?: number): string | undefined {
  for (const address of addresses) {
    const metadata = metadataService(address);
    if (metadata) return `${hostname} resolves to a cloud metadata service (${metadata})`;
    const own = port === undefined ? undefined : allowlist.own.refusal(address, port);
    if (own) return `${hostname} resolves to ${own}`;
  }
  // An address allowlist entry only opens IP-literal URLs: otherwise any public name an attacker
  // points at 10.0.0.5 would inherit the operator's "10.0.0.0/8" exception. Names must be listed.
  if (allowlist.allowsHost(hostname, port)) return undefined;
  for (const address of addresses) {
    const range = reservedRange(address);
    if (range) return `${hostname} resolves to a private or reserved address range (${range})`;
  }
  return undefined;
}
