import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

type Range = { network: ipaddr.IPv4 | ipaddr.IPv6; bits: number; label: string };

function ranges(entries: [cidr: string, label: string][]): Range[] {
  return entries.map(([cidr, label]) => {
    const [network, bits] = ipaddr.parseCIDR(cidr);
    return { network, bits, label };
  });
}

// IANA IPv4 Special-Purpose Address Registry, plus multicast and the former class E space. A few
// registry entries are marked globally reachable (e.g. 192.0.0.9/32); we refuse their whole block anyway.
const IPV4_SPECIAL = ranges([
  ['0.0.0.0/8', 'this network'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'shared address space'],
  // Public space, but Azure's WireServer (metadata, DNS, agent channel) on every VM.
  ['168.63.129.16/32', 'cloud metadata service'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'IETF protocol assignments'],
  ['192.0.2.0/24', 'documentation'],
  ['192.31.196.0/24', 'AS112'],
  ['192.52.193.0/24', 'AMT'],
  ['192.88.99.0/24', '6to4 relay anycast'],
  ['192.168.0.0/16', 'private'],
  ['192.175.48.0/24', 'AS112'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['255.255.255.255/32', 'broadcast'],
  ['240.0.0.0/4', 'reserved'],
]);

// Only global unicast (2000::/3) can be public. Addresses embedding an IPv4 address (IPv4-mapped,
// IPv4-compatible, NAT64, 6to4) are refused outright rather than judged by the embedded address:
// real public sites do not publish them, and refusing avoids any disagreement about which IPv4
// address the kernel or a translator would actually reach.
const IPV6_GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3');
const IPV6_SPECIAL = ranges([
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['::ffff:0:0/96', 'IPv4-mapped'],
  ['::/96', 'IPv4-compatible'],
  ['64:ff9b::/96', 'NAT64'],
  ['64:ff9b:1::/48', 'NAT64'],
  ['100::/64', 'discard-only'],
  ['2001::/23', 'IETF protocol assignments'],
  ['2001:db8::/32', 'documentation'],
  ['2002::/16', '6to4'],
  ['2620:4f:8000::/48', 'AS112'],
  ['3fff::/20', 'documentation'],
  ['5f00::/16', 'segment routing'],
  ['fc00::/7', 'unique local'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'site-local'],
  ['ff00::/8', 'multicast'],
]);

// Cloud instance metadata and platform services: credentials and instance identity a scan must
// never read, allowlist or not (an entry such as 169.254.0.0/16 or fd00::/8 would otherwise
// open them). Most lie inside ranges refused above anyway; listed so the allowlist cannot open them.
const METADATA_SERVICES = new Map<string, string>([
  ['169.254.169.254', 'AWS, GCP, Azure, OCI, DigitalOcean, OpenStack instance metadata'],
  ['169.254.169.253', 'AWS VPC DNS'],
  ['169.254.169.123', 'AWS time sync'],
  ['169.254.170.2', 'AWS ECS task metadata'],
  ['169.254.170.23', 'AWS EKS pod identity'],
  ['169.254.0.23', 'Tencent Cloud metadata'],
  ['168.63.129.16', 'Azure WireServer'],
  ['100.100.100.200', 'Alibaba Cloud metadata'],
  ['192.0.0.192', 'Oracle Cloud metadata'],
  ['fd00:ec2::254', 'AWS instance metadata (IPv6)'],
  ['fd00:ec2::253', 'AWS VPC DNS (IPv6)'],
  ['fd00:ec2::23', 'AWS EKS pod identity (IPv6)'],
  ['fd00:ec2::123', 'AWS time sync (IPv6)'],
  ['fd20:ce::254', 'GCP metadata (IPv6)'],
]);

/** Names the cloud metadata service at `ip` (any spelling, IPv4-mapped included), or undefined. */
export function metadataService(ip: string): string | undefined {
  if (isIP(ip) === 0) return undefined;
  return METADATA_SERVICES.get(ipaddr.process(ip.replace(/%.*$/, '')).toString());
}

/**
 * Names the special-purpose range `ip` falls in, or returns undefined for a public address.
 * Anything that is not a canonical IPv4/IPv6 literal counts as non-public.
 */
export function reservedRange(ip: string): string | undefined {
  if (isIP(ip) === 0) return 'not an IP address';
  const address = ipaddr.parse(ip);
  const special = address.kind() === 'ipv4' ? IPV4_SPECIAL : IPV6_SPECIAL;
  const hit = special.find((r) => address.match(r.network, r.bits));
  if (hit) return hit.label;
  if (address.kind() === 'ipv6' && !address.match(IPV6_GLOBAL_UNICAST)) return 'reserved';
  // Second opinion from ipaddr.js, in case its table knows a range ours lacks.
  const range = address.range();
  return range === 'unicast' ? undefined : range;
}

export function isPublicAddress(ip: string): boolean {
  return reservedRange(ip) === undefined;
}
