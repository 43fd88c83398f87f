import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { ownEndpoints, type OwnEndpoints } from './own-endpoints.ts';

export interface HostAllowlist {
  /**
   * True for a listed host name, or for an IP literal (bracketed or not) inside a listed
   * address/CIDR, on `port`: an entry without a port opens every port, `host:port` that one only.
   * Without `port` (a DNS lookup, after the URL's port was judged) the host alone is judged.
   */
  allowsHost(hostname: string, port?: number): boolean;
  allowsAddress(ip: string, port?: number): boolean;
  /** The instance's own listening ports, refused even when the host is listed. */
  own: OwnEndpoints;
}

/** Lower-cases, drops one trailing dot and IPv6 brackets: `[::1]` -> `::1`, `Intranet.` -> `intranet`. */
export function normaliseHost(host: string): string {
  const lower = host.toLowerCase().replace(/\.$/, '');
  return lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
}

/** A URL's port, the scheme's default when it names none. */
export function portOf(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

type Network = { network: ipaddr.IPv4 | ipaddr.IPv6; bits: number; port: number | undefined };

/**
 * Parses SITEWARDEN_ALLOW_PRIVATE_HOSTS: host names, IP addresses and CIDRs separated by commas
 * or whitespace, each optionally limited to one port, e.g.
 * `intranet.corp, 10.0.0.0/8 [fd00::1] 192.168.1.20 127.0.0.1:8080 [::1]:8080 10.1.0.0/16:443 [fd00::/8]:80`.
 * `own` names the instance's own endpoints (loadConfig passes the settings'); none by default,
 * though ports reserved at run time (reserveOwnPort) always count.
 */
export function parseHostAllowlist(raw: string | undefined, own: OwnEndpoints = ownEndpoints([])): HostAllowlist {
  const names = new Map<string, Set<number> | 'any'>();
  const networks: Network[] = [];

  for (const entry of (raw ?? '').split(/[\s,]+/).filter(Boolean)) {
    const { target, port } = splitPort(entry);
    const slash = target.indexOf('/');
    const host = normaliseHost(slash < 0 ? target : target.slice(0, slash));
    const prefix = slash < 0 ? undefined : target.slice(slash + 1);
    if (isIP(host)) {
      const parsed = ipaddr.parse(host);
      const max = parsed.kind() === 'ipv4' ? 32 : 128;
      const bits = prefix === undefined ? max : /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
      if (!(bits >= 0 && bits <= max)) throw badEntry(entry, `prefix length must be 0-${max}`);
      networks.push({ network: parsed, bits, port });
    } else if (prefix === undefined && isPlainHostName(host)) {
      const ports = names.get(host);
      if (port === undefined || ports === 'any') names.set(host, 'any');
      else names.set(host, new Set([...(ports ?? []), port]));
    } else {
      throw badEntry(entry, 'expected a host name, an IP address or a CIDR, optionally with :port');
    }
  }

  const portMatches = (allowed: number | undefined, port: number | undefined) => allowed === undefined || port === undefined || allowed === port;
  const allowsAddress = (ip: string, port?: number): boolean => {
    const host = normaliseHost(ip);
    if (!isIP(host)) return false;
    const address = ipaddr.parse(host);
    return networks.some((n) => n.network.kind() === address.kind() && address.match(n.network, n.bits) && portMatches(n.port, port));
  };
  const allowsName = (hostname: string, port?: number): boolean => {
    const ports = names.get(normaliseHost(hostname));
    return ports === 'any' || (ports !== undefined && (port === undefined || ports.has(port)));
  };
  return {
    allowsAddress,
    allowsHost: (hostname, port) => allowsName(hostname, port) || allowsAddress(hostname, port),
    own,
  };
}

/**
 * `host:port`, `[v6]:port`, `[v6/bits]:port`, `cidr:port` → target and port. A bare IPv6 address
 * (two or more colons, no brackets) never carries a port: `fd00::1:80` would be ambiguous.
 */
function splitPort(entry: string): { target: string; port: number | undefined } {
  const bracketed = /^\[([^\]]+)\](\/\d+)?(?::(\d+))?$/.exec(entry);
  if (bracketed) return { target: `${bracketed[1]}${bracketed[2] ?? ''}`, port: parsePort(entry, bracketed[3]) };
  const colons = entry.split(':').length - 1;
  if (colons !== 1) return { target: entry, port: undefined };
  const at = entry.lastIndexOf(':');
  return { target: entry.slice(0, at), port: parsePort(entry, entry.slice(at + 1)) };
}

function parsePort(entry: string, digits: string | undefined): number | undefined {
  if (digits === undefined) return undefined;
  const port = /^\d{1,5}$/.test(digits) ? Number(digits) : NaN;
  if (!(port >= 1 && port <= 65_535)) throw badEntry(entry, 'port must be 1-65535');
  return port;
}

// The WHATWG parser must leave the name unchanged, which rules out ports, paths, IDN and
// numeric forms such as `127.1` that a URL would silently turn into an IP address.
function isPlainHostName(host: string): boolean {
  return /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(host) && URL.parse(`http://${host}/`)?.hostname === host;
}

function badEntry(entry: string, why: string): Error {
  return new Error(`SITEWARDEN_ALLOW_PRIVATE_HOSTS: invalid entry "${entry}": ${why}`);
}
