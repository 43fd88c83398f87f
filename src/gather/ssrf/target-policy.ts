import { reservedRange } from './address-policy.ts';
import type { HostAllowlist } from './host-allowlist.ts';

/**
 * Judges the addresses DNS gave for a host name: why the name must not be reached there, or
 * undefined when it may. IP-literal hosts are judged by checkTargetUrl and never come here.
 */
export function resolvedAddressRefusal(hostname: string, addresses: readonly string[], allowlist: HostAllowlist): string | undefined {
  // An address allowlist entry only opens IP-literal URLs: otherwise any public name an attacker
  // points at 10.0.0.5 would inherit the operator's "10.0.0.0/8" exception. Names must be listed.
  if (allowlist.allowsHost(hostname)) return undefined;
  for (const address of addresses) {
    const range = reservedRange(address);
    if (range) return `${hostname} resolves to a private or reserved address range (${range})`;
  }
  return undefined;
}
