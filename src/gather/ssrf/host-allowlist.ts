import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export interface HostAllowlist {
  /** True for a listed host name, or for an IP literal (bracketed or not) inside a listed address/CIDR. */
  allowsHost(hostname: string): boolean;
  allowsAddress(ip: string): boolean;
}

/** Lower-cases, drops one trailing dot and IPv6 brackets: `[::1]` -> `::1`, `Intranet.` -> `intranet`. */
export function normaliseHost(host: string): string {
  const lower = host.toLowerCase().replace(/\.$/, '');
  return lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
}

/**
 * Parses SITEWARDEN_ALLOW_PRIVATE_HOSTS: host names, IP addresses and CIDRs separated by commas
 * or whitespace, e.g. `intranet.corp, 10.0.0.0/8 [fd00::1] 192.168.1.20`.
 */
export function parseHostAllowlist(raw: string | undefined): HostAllowlist {
  const names = new Set<string>();
  const networks: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];

  for (const entry of (raw ?? '').split(/[\s,]+/).filter(Boolean)) {
    const slash = entry.indexOf('/');
    const host = normaliseHost(slash < 0 ? entry : entry.slice(0, slash));
    const prefix = slash < 0 ? undefined : entry.slice(slash + 1);
    if (isIP(host)) {
      const parsed = ipaddr.parse(host);
      const max = parsed.kind() === 'ipv4' ? 32 : 128;
      const bits = prefix === undefined ? max : /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
      if (!(bits >= 0 && bits <= max)) throw badEntry(entry, `prefix length must be 0-${max}`);
      networks.push([parsed, bits]);
    } else if (prefix === undefined && isPlainHostName(host)) {
      names.add(host);
    } else {
      throw badEntry(entry, 'expected a host name, an IP address or a CIDR');
    }
  }

  const allowsAddress = (ip: string): boolean => {
    const host = normaliseHost(ip);
    if (!isIP(host)) return false;
    const address = ipaddr.parse(host);
    return networks.some(([network, bits]) => network.kind() === address.kind() && address.match(network, bits));
  };
  return {
    allowsAddress,
    allowsHost: (hostname) => names.has(normaliseHost(hostname)) || allowsAddress(hostname),
  };
}

// The WHATWG parser must leave the name unchanged, which rules out ports, paths, IDN and
// numeric forms such as `127.1` that a URL would silently turn into an IP address.
function isPlainHostName(host: string): boolean {
  return /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(host) && URL.parse(`http://${host}/`)?.hostname === host;
}

function badEntry(entry: string, why: string): Error {
  return new Error(`SITEWARDEN_ALLOW_PRIVATE_HOSTS: invalid entry "${entry}": ${why}`);
}
