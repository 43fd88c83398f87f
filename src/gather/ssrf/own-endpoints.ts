import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import ipaddr from 'ipaddr.js';

/**
 * The ports this instance itself listens on, which no scan may reach, allowlist or not: the API,
 * Temporal, the database (named in the settings) and, while they run, each browser's DevTools port
 * and each guard proxy (reserved by the code that opens them). An allowlist entry such as the dev
 * default `127.0.0.1` opens a host, never these ports on it.
 */
export interface OwnEndpoints {
  /** Why `host:port` is one of the instance's own endpoints, or undefined. `host` is a normalised name or IP. */
  refusal(host: string, port: number): string | undefined;
}

/** Ports opened at run time (DevTools, guard proxies, an API on port 0): this process's, on every local address. */
const reservedPorts = new Map<number, number>();

/** Marks a local port as the instance's own until the returned function is called. */
export function reserveOwnPort(port: number): () => void {
  reservedPorts.set(port, (reservedPorts.get(port) ?? 0) + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (reservedPorts.get(port) ?? 1) - 1;
    if (left > 0) reservedPorts.set(port, left);
    else reservedPorts.delete(port);
  };
}

/** Loopback, unspecified, IPv4-mapped forms of those, or an address of one of this machine's interfaces. */
export function isLocalAddress(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (!isIP(host)) return false;
  const parsed = ipaddr.process(host.replace(/%.*$/, ''));
  if (['loopback', 'unspecified'].includes(parsed.range())) return true;
  const canonical = parsed.toString();
  return Object.values(networkInterfaces()).some((addresses) => addresses?.some((a) => canonicalAddress(a.address) === canonical));
}

function canonicalAddress(address: string): string | undefined {
  try {
    return ipaddr.process(address.replace(/%.*$/, '')).toString();
  } catch {
    return undefined;
  }
}

/**
 * The settings' endpoints (`host:port` pairs: the API's HOST and PORT, TEMPORAL_ADDRESS, the
 * database's host and port) plus every port reserved at run time.
 */
export function ownEndpoints(configured: readonly { host: string; port: number }[]): OwnEndpoints {
  const localPorts = new Set<number>();
  const named = new Set<string>();
  for (const { host, port } of configured) {
    // 0.0.0.0 / :: listen on every address of the machine: the port is ours on each of them.
    if (isLocalAddress(host)) localPorts.add(port);
    else named.add(`${host}:${port}`);
  }
  return {
    refusal(host, port) {
      if (named.has(`${host}:${port}`)) return `${host}:${port} is one of this instance's own services`;
      if ((localPorts.has(port) || reservedPorts.has(port)) && isLocalAddress(host)) return `port ${port} on this machine is one of this instance's own services`;
      return undefined;
    },
  };
}

/** `host:port`, `[v6]:port` or a URL's authority, as in TEMPORAL_ADDRESS; undefined when unparsable. */
export function parseEndpoint(value: string, defaultPort?: number): { host: string; port: number } | undefined {
  const url = URL.parse(value.includes('://') ? value : `tcp://${value}`);
  if (!url) return undefined;
  const port = url.port ? Number(url.port) : defaultPort;
  if (port === undefined) return undefined;
  const host = url.hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  return host ? { host, port } : undefined;
}
