import { isPublicAddress, reservedRange } from '../../src/gather/ssrf/address-policy.ts';
import { parseHostAllowlist } from '../../src/gather/ssrf/host-allowlist.ts';
import { isLocalAddress, ownEndpoints, parseEndpoint, reserveOwnPort } from '../../src/gather/ssrf/own-endpoints.ts';
import { resolvedAddressRefusal } from '../../src/gather/ssrf/target-policy.ts';
import { checkTargetUrl } from '../../src/gather/ssrf/url-guard.ts';
import { loadConfig } from '../../src/platform/config.ts';

const PRIVATE = 'private or reserved address range';
const RESERVED_NAME = 'reserved for local or special use';
const SCHEME = 'only http and https';

const noAllowlist = parseHostAllowlist(undefined);

// [url, fragment of the expected reason]
const rejected: [string, string][] = [
  // Schemes
  ['file:///etc/passwd', SCHEME],
  ['ftp://example.com/', SCHEME],
  ['gopher://example.com:70/_GET', SCHEME],
  ['data:text/html,<script>alert(1)</script>', SCHEME],
  ['javascript:alert(1)', SCHEME],
  ['ws://example.com/', SCHEME],
  ['dict://127.0.0.1:11211/', SCHEME],
  ['ldap://example.com/', SCHEME],
  ['jar:http://example.com!/', SCHEME],
  // Not URLs at all
  ['', 'not a valid URL'],
  ['example.com', 'not a valid URL'],
  ['//example.com/', 'not a valid URL'],
  ['http://', 'not a valid URL'],
  ['http://1.2.3.4.5/', 'not a valid URL'],
  ['http://256.0.0.1/', 'not a valid URL'],
  ['http://exa mple.com/', 'not a valid URL'],
  [`https://example.com/${'a'.repeat(2048)}`, 'longer than 2048'],
  // Credentials
  ['http://user:pass@example.com/', 'credentials'],
  ['http://user@example.com/', 'credentials'],
  ['https://:secret@example.com/', 'credentials'],
  ['http://127.0.0.1:80@example.com/', 'credentials'],
  // Loopback in every spelling the WHATWG parser accepts
  ['http://127.0.0.1/', 'loopback'],
  ['http://127.0.0.1:8080/admin', 'loopback'],
  ['http://127.255.255.254/', 'loopback'],
  ['http://2130706433/', 'loopback'],
  ['http://0x7f000001/', 'loopback'],
  ['http://0x7f.1/', 'loopback'],
  ['http://017700000001/', 'loopback'],
  ['http://0177.0.0.1/', 'loopback'],
  ['http://0x7f.0x0.0x0.0x1/', 'loopback'],
  ['http://0177.0x0.0.1/', 'loopback'],
  ['http://127.1/', 'loopback'],
  ['http://127.0.1/', 'loopback'],
  ['http://127.0.0.1./', 'loopback'],
  ['http://%31%32%37.0.0.1/', 'loopback'],
  ['http://\uff11\uff12\uff17.0.0.1/', 'loopback'],
  ['HTTP://127.0.0.1/', 'loopback'],
  ['http:/\\127.0.0.1/', 'loopback'],
  ['http://127.0.0.1\\@example.com/', 'loopback'],
  // Other short forms
  ['http://0/', 'this network'],
  ['http://0.0.0.0/', 'this network'],
  ['http://10.1/', 'private'],
  ['http://167772161/', 'private'],
  ['http://0xa9fea9fe/', 'cloud metadata service'],
  // Every IPv4 special-purpose range
  ['http://10.0.0.1/', 'private'],
  ['http://10.255.255.255/', 'private'],
  ['http://100.64.0.1/', 'shared address space'],
  ['http://100.127.255.254/', 'shared address space'],
  ['http://169.254.169.254/latest/meta-data/', 'cloud metadata service'],
  ['http://172.16.0.1/', 'private'],
  ['http://172.31.255.255/', 'private'],
  ['http://192.0.0.1/', 'IETF protocol assignments'],
  ['http://192.0.2.1/', 'documentation'],
  ['http://192.31.196.1/', 'AS112'],
  ['http://192.52.193.1/', 'AMT'],
  ['http://192.88.99.1/', '6to4 relay'],
  ['http://192.168.1.1/', 'private'],
  ['http://192.175.48.1/', 'AS112'],
  ['http://198.18.0.1/', 'benchmarking'],
  ['http://198.19.255.255/', 'benchmarking'],
  ['http://198.51.100.7/', 'documentation'],
  ['http://203.0.113.9/', 'documentation'],
  ['http://224.0.0.1/', 'multicast'],
  ['http://239.255.255.250/', 'multicast'],
  ['http://240.0.0.1/', 'reserved'],
  ['http://255.255.255.255/', 'broadcast'],
  // IPv6 literals
  ['http://[::]/', 'unspecified'],
  ['http://[::1]/', 'loopback'],
  ['http://[::1]:8080/', 'loopback'],
  ['http://[0:0:0:0:0:0:0:1]/', 'loopback'],
  ['http://[::ffff:127.0.0.1]/', 'IPv4-mapped'],
  ['http://[::ffff:7f00:1]/', 'IPv4-mapped'],
  ['http://[::ffff:8.8.8.8]/', 'IPv4-mapped'],
  ['http://[::127.0.0.1]/', 'IPv4-compatible'],
  ['http://[fe80::1]/', 'link-local'],
  ['http://[fec0::1]/', 'site-local'],
  ['http://[fd00::1]/', 'unique local'],
  ['http://[fc00::]/', 'unique local'],
  ['http://[ff02::1]/', 'multicast'],
  ['http://[64:ff9b::a9fe:a9fe]/', 'NAT64'],
  ['http://[64:ff9b:1::1]/', 'NAT64'],
  ['http://[100::1]/', 'discard-only'],
  ['http://[2001:db8::1]/', 'documentation'],
  ['http://[2001::1]/', 'IETF protocol assignments'],
  ['http://[2002:7f00:1::]/', '6to4'],
  ['http://[2620:4f:8000::1]/', 'AS112'],
  ['http://[3fff::1]/', 'documentation'],
  ['http://[5f00::1]/', 'segment routing'],
  ['http://[4000::1]/', 'reserved'],
  // Names
  ['http://localhost/', RESERVED_NAME],
  ['http://LOCALHOST./', RESERVED_NAME],
  ['http://localhost:3000/', RESERVED_NAME],
  ['http://api.localhost/', RESERVED_NAME],
  ['http://printer.local/', RESERVED_NAME],
  ['http://db.internal/', RESERVED_NAME],
  ['http://foo.internal./', RESERVED_NAME],
  ['http://metadata.google.internal/', RESERVED_NAME],
  ['http://nas.localdomain/', RESERVED_NAME],
  ['http://router.home.arpa/', RESERVED_NAME],
  ['http://duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion/', RESERVED_NAME],
  ['http://site.test/', RESERVED_NAME],
  ['http://nothing.invalid/', RESERVED_NAME],
  ['http://nas.lan/', RESERVED_NAME],
  ['http://intranet/', RESERVED_NAME],
  ['http://wiki.corp/', RESERVED_NAME],
  ['http://server/', 'single-label'],
  ['http://server./', 'single-label'],
  ['http://foo..example.com/', 'empty label'],
  ['http://example.com../', 'empty label'],
];

const allowed = [
  'https://example.com/',
  'http://example.com',
  'https://www.example.org/page?x=1#top',
  'http://93.184.216.34/',
  'http://8.8.8.8:8080/',
  'http://1.1.1.1/',
  'https://[2606:4700::1111]/',
  'https://[2a00:1450:4001:80b::200e]/',
  'https://sub.example.co.uk:8443/path?q=1',
  'https://example.com./',
  'https://EXAMPLE.COM/',
  'https://bücher.de/',
  'https://my-site.example.com/a/b/c',
  'http://evil.com#@127.0.0.1/',
  'https://localhost.example.com/',
  'https://test.example.net/',
  'http://172.32.0.1/',
  'http://100.128.0.1/',
  'http://192.0.3.1/',
];

describe('checkTargetUrl', () => {
  test('the rejection table is large enough', () => {
    expect(rejected.length).toBeGreaterThanOrEqual(80);
  });

  test.each(rejected)('rejects %s', (url, reason) => {
    const result = checkTargetUrl(url, noAllowlist);
    expect(result).toEqual({ ok: false, reason: expect.stringContaining(reason) });
  });

  test.each(allowed)('allows %s', (url) => {
    const result = checkTargetUrl(url, noAllowlist);
    expect(result.ok).toBe(true);
  });

  test('returns the parsed, normalised URL', () => {
    const result = checkTargetUrl('HTTPS://Sub.Example.co.uk:8443/path?q=1', noAllowlist);
    expect(result.ok && result.url.href).toBe('https://sub.example.co.uk:8443/path?q=1');
  });

  test('gives API-ready reasons', () => {
    expect(checkTargetUrl('http://127.0.0.1/', noAllowlist)).toEqual({
      ok: false,
      reason: 'host is in a private or reserved address range (loopback)',
    });
    expect(checkTargetUrl('ftp://example.com/', noAllowlist)).toEqual({ ok: false, reason: 'only http and https URLs are allowed' });
  });

  describe('with an allowlist', () => {
    test('a listed address is allowed, its neighbour is not', () => {
      const allowlist = parseHostAllowlist('127.0.0.1');
      expect(checkTargetUrl('http://127.0.0.1:8080/', allowlist).ok).toBe(true);
      expect(checkTargetUrl('http://2130706433/', allowlist).ok).toBe(true);
      expect(checkTargetUrl('http://127.0.0.2/', allowlist)).toEqual({ ok: false, reason: expect.stringContaining('loopback') });
      expect(checkTargetUrl('http://localhost/', allowlist).ok).toBe(false);
    });

    test('a CIDR entry covers its range only', () => {
      const allowlist = parseHostAllowlist('10.0.0.0/8');
      expect(checkTargetUrl('http://10.1.2.3/', allowlist).ok).toBe(true);
      expect(checkTargetUrl('http://10.1/', allowlist).ok).toBe(true);
      expect(checkTargetUrl('http://11.0.0.1/', allowlist).ok).toBe(true); // public anyway
      expect(checkTargetUrl('http://192.168.0.1/', allowlist).ok).toBe(false);
    });

    test('IPv6 entries match bracketed literals', () => {
      const allowlist = parseHostAllowlist('[fd00::]/8, ::1');
      expect(checkTargetUrl('http://[fd12::5]/', allowlist).ok).toBe(true);
      expect(checkTargetUrl('http://[::1]/', allowlist).ok).toBe(true);
      expect(checkTargetUrl('http://[fe80::1]/', allowlist).ok).toBe(false);
    });

    test('a host name entry lets that name through, trailing dot and case aside', () => {
      const allowlist = parseHostAllowlist('intranet, Wiki.Corp.');
      expect(checkTargetUrl('http://intranet/', allowlist).ok).toBe(true);
      expect(checkTargetUrl('http://INTRANET./', allowlist).ok).toBe(true);
      expect(checkTargetUrl('http://wiki.corp/', allowlist).ok).toBe(true);
      expect(checkTargetUrl('http://other.corp/', allowlist).ok).toBe(false);
      expect(checkTargetUrl('http://sub.wiki.corp/', allowlist).ok).toBe(false);
    });

    test('never lets other schemes or credentials through', () => {
      const allowlist = parseHostAllowlist('127.0.0.1 intranet');
      expect(checkTargetUrl('ftp://127.0.0.1/', allowlist).ok).toBe(false);
      expect(checkTargetUrl('http://u:p@intranet/', allowlist).ok).toBe(false);
    });
  });
});

describe('isPublicAddress', () => {
  test.each([
    '0.0.0.0', '0.255.255.255', '10.0.0.1', '100.64.0.1', '127.0.0.1', '169.254.169.254', '172.16.0.1', '172.31.255.255',
    '192.0.0.9', '192.0.2.1', '192.31.196.1', '192.52.193.1', '192.88.99.1', '192.168.0.1', '192.175.48.1', '198.18.0.1',
    '198.51.100.1', '203.0.113.1', '224.0.0.1', '240.0.0.1', '255.255.255.255',
    '::', '::1', '::ffff:127.0.0.1', '::ffff:8.8.8.8', '::8.8.8.8', '64:ff9b::808:808', '64:ff9b:1::1', '100::1',
    '2001::1', '2001:2::1', '2001:db8::1', '2001:20::1', '2002:808:808::1', '2620:4f:8000::1', '3fff::1',
    '5f00::1', 'fc00::1', 'fd00::1', 'fe80::1', 'fe80::1%eth0', 'fec0::1', 'ff02::1', '4000::1', '1::1',
  ])('%s is not public', (ip) => {
    expect(isPublicAddress(ip)).toBe(false);
  });

  test.each(['1.1.1.1', '8.8.8.8', '93.184.216.34', '100.128.0.1', '172.32.0.1', '223.255.255.255', '2606:4700::1111', '2a00:1450::1', '2001:200::1', '2620:4f:8001::1'])(
    '%s is public',
    (ip) => {
      expect(isPublicAddress(ip)).toBe(true);
    },
  );

  test.each(['', 'localhost', '127.1', '2130706433', '0x7f.0.0.1', '[::1]', '1.2.3.4/32'])('%j is not an IP address, so not public', (value) => {
    expect(isPublicAddress(value)).toBe(false);
  });

  test('names the range', () => {
    expect(reservedRange('169.254.169.254')).toBe('link-local');
    expect(reservedRange('8.8.8.8')).toBeUndefined();
  });
});

describe('parseHostAllowlist', () => {
  test('empty or missing means nothing is allowed', () => {
    for (const raw of [undefined, '', ' , ']) {
      const allowlist = parseHostAllowlist(raw);
      expect(allowlist.allowsAddress('127.0.0.1')).toBe(false);
      expect(allowlist.allowsHost('localhost')).toBe(false);
    }
  });

  test('accepts names, addresses and CIDRs separated by commas and whitespace', () => {
    const allowlist = parseHostAllowlist(' intranet.corp,10.0.0.0/8  [fd00::1]\n192.168.1.20, fc00::/7 ,[::1] ');
    expect(allowlist.allowsHost('intranet.corp')).toBe(true);
    expect(allowlist.allowsHost('INTRANET.CORP.')).toBe(true);
    expect(allowlist.allowsHost('other.corp')).toBe(false);
    expect(allowlist.allowsAddress('10.200.0.1')).toBe(true);
    expect(allowlist.allowsAddress('11.0.0.1')).toBe(false);
    expect(allowlist.allowsAddress('fd00::1')).toBe(true);
    expect(allowlist.allowsAddress('192.168.1.20')).toBe(true);
    expect(allowlist.allowsAddress('192.168.1.21')).toBe(false);
    expect(allowlist.allowsAddress('fc12::3')).toBe(true);
    expect(allowlist.allowsAddress('::1')).toBe(true);
    expect(allowlist.allowsHost('[::1]')).toBe(true);
    expect(allowlist.allowsHost('10.0.0.1')).toBe(true);
  });

  test('address entries do not match other address families or names', () => {
    const allowlist = parseHostAllowlist('127.0.0.1 0.0.0.0/0');
    expect(allowlist.allowsAddress('::ffff:127.0.0.1')).toBe(false);
    expect(allowlist.allowsAddress('::1')).toBe(false);
    expect(allowlist.allowsAddress('not-an-ip')).toBe(false);
    expect(allowlist.allowsHost('localhost')).toBe(false);
  });

  test.each([
    ['10.0.0.0/33', 'prefix length must be 0-32'],
    ['fd00::/129', 'prefix length must be 0-128'],
    ['10.0.0.0/', 'prefix length'],
    ['10.0.0.0/8/9', 'prefix length'],
    ['intranet/8', 'expected a host name'],
    ['127.1', 'expected a host name'],
    ['http://intranet', 'port must be 1-65535'],
    ['intranet:0', 'port must be 1-65535'],
    ['intranet:65536', 'port must be 1-65535'],
    ['intranet:http', 'port must be 1-65535'],
    ['[::1]:', 'expected a host name'],
    ['10.0.0.0/8:99999', 'port must be 1-65535'],
    ['bad_host!', 'expected a host name'],
    ['bücher.de', 'expected a host name'],
    ['a..b', 'expected a host name'],
  ])('rejects %j, naming the entry', (entry, why) => {
    expect(() => parseHostAllowlist(`intranet, ${entry}`)).toThrow(`SITEWARDEN_ALLOW_PRIVATE_HOSTS: invalid entry "${entry}": ${why}`);
  });
});

describe('allowlist entries with a port', () => {
  test('host:port, [v6]:port and cidr:port open that port only; entries without a port open every port', () => {
    const allowlist = parseHostAllowlist('127.0.0.1:8080, [::1]:8443, 10.0.0.0/8:443, [fd00::/8]:80, intranet:8081, intranet:8082, wiki.corp');
    expect(checkTargetUrl('http://127.0.0.1:8080/', allowlist).ok).toBe(true);
    expect(checkTargetUrl('http://127.0.0.1:8081/', allowlist)).toEqual({ ok: false, reason: expect.stringContaining('loopback') });
    expect(checkTargetUrl('http://127.0.0.1/', allowlist).ok).toBe(false);
    expect(checkTargetUrl('https://[::1]:8443/', allowlist).ok).toBe(true);
    expect(checkTargetUrl('https://[::1]/', allowlist).ok).toBe(false);
    expect(checkTargetUrl('https://10.9.8.7/', allowlist).ok).toBe(true); // 443 by default
    expect(checkTargetUrl('http://10.9.8.7/', allowlist).ok).toBe(false);
    expect(checkTargetUrl('http://[fd12::1]/', allowlist).ok).toBe(true);
    expect(checkTargetUrl('http://[fd12::1]:81/', allowlist).ok).toBe(false);
    expect(checkTargetUrl('http://intranet:8081/', allowlist).ok).toBe(true);
    expect(checkTargetUrl('http://intranet:8082/', allowlist).ok).toBe(true);
    expect(checkTargetUrl('http://intranet:8083/', allowlist).ok).toBe(false);
    expect(checkTargetUrl('http://wiki.corp:1234/', allowlist).ok).toBe(true);
  });

  test('a bare IPv6 address never carries a port', () => {
    const allowlist = parseHostAllowlist('fd00::1:80');
    expect(allowlist.allowsAddress('fd00::1:80', 1234)).toBe(true);
    expect(allowlist.allowsAddress('fd00::1', 80)).toBe(false);
  });

  test('a name entry with ports still lets its DNS answers through when the port is not known', () => {
    const allowlist = parseHostAllowlist('intranet:8081');
    expect(resolvedAddressRefusal('intranet', ['10.0.0.5'], allowlist)).toBeUndefined();
    expect(resolvedAddressRefusal('intranet', ['10.0.0.5'], allowlist, 8081)).toBeUndefined();
    expect(resolvedAddressRefusal('intranet', ['10.0.0.5'], allowlist, 8082)).toContain(PRIVATE);
  });
});

describe('cloud metadata services', () => {
  const everything = parseHostAllowlist('0.0.0.0/0, ::/0, metadata.corp');
  test.each([
    ['http://168.63.129.16/', 'Azure WireServer'],
    ['http://169.254.169.254/latest/meta-data/', 'instance metadata'],
    ['http://[fd00:ec2::254]/', 'AWS instance metadata (IPv6)'],
    ['http://100.100.100.200/', 'Alibaba'],
    ['http://169.254.170.2/v2/credentials', 'ECS'],
    ['http://192.0.0.192/', 'Oracle'],
    ['http://[fd20:ce::254]/', 'GCP'],
    ['http://[::ffff:a9fe:a9fe]/', 'instance metadata'],
    ['http://2852039166/', 'instance metadata'],
  ])('%s is refused even when every address is allowlisted', (url, service) => {
    expect(checkTargetUrl(url, everything)).toEqual({ ok: false, reason: expect.stringContaining(service) });
    expect(checkTargetUrl(url, noAllowlist).ok).toBe(false);
  });

  test('168.63.129.16 is not public', () => {
    expect(isPublicAddress('168.63.129.16')).toBe(false);
    expect(reservedRange('168.63.129.16')).toBe('cloud metadata service');
    expect(isPublicAddress('168.63.129.17')).toBe(true);
  });

  test('a listed name resolving to a metadata address is refused', () => {
    expect(resolvedAddressRefusal('metadata.corp', ['10.0.0.1', '169.254.169.254'], everything)).toContain('cloud metadata service');
    expect(resolvedAddressRefusal('example.com', ['168.63.129.16'], noAllowlist)).toContain('cloud metadata service');
  });
});

describe("the instance's own ports", () => {
  const own = ownEndpoints([
    { host: '127.0.0.1', port: 3000 },
    { host: 'temporal', port: 7233 },
    { host: '0.0.0.0', port: 5432 },
  ]);
  const allowlist = parseHostAllowlist('127.0.0.1, ::1, temporal, 10.0.0.0/8', own);

  test('are refused on every local address even when the host is allowlisted', () => {
    for (const url of ['http://127.0.0.1:3000/', 'http://[::1]:3000/', 'http://127.0.0.1:5432/', 'http://[::ffff:127.0.0.1]:3000/', 'http://0.0.0.0:3000/']) {
      expect(checkTargetUrl(url, allowlist)).toEqual({ ok: false, reason: expect.stringContaining("one of this instance's own services") });
    }
    expect(checkTargetUrl('http://127.0.0.1:3001/', allowlist).ok).toBe(true);
  });

  test('a named one is refused by name and port', () => {
    expect(checkTargetUrl('http://temporal:7233/', allowlist)).toEqual({ ok: false, reason: "temporal:7233 is one of this instance's own services" });
    expect(checkTargetUrl('http://temporal:8080/', allowlist).ok).toBe(true);
    expect(checkTargetUrl('http://10.0.0.1:7233/', allowlist).ok).toBe(true);
  });

  test('ports reserved at run time (DevTools, guard proxies) count until released, for every allowlist', () => {
    const release = reserveOwnPort(45_678);
    expect(checkTargetUrl('http://127.0.0.1:45678/json/version', allowlist)).toEqual({ ok: false, reason: expect.stringContaining('port 45678') });
    expect(checkTargetUrl('http://127.0.0.1:45678/', parseHostAllowlist('127.0.0.1')).ok).toBe(false);
    expect(resolvedAddressRefusal('fixture.test', ['127.0.0.1'], parseHostAllowlist('fixture.test'), 45_678)).toContain('port 45678');
    release();
    expect(checkTargetUrl('http://127.0.0.1:45678/', allowlist).ok).toBe(true);
  });

  test('loadConfig names the API, Temporal and the database', () => {
    const config = loadConfig({ SITEWARDEN_ALLOW_PRIVATE_HOSTS: '127.0.0.1 temporal db.internal', PORT: '4000', TEMPORAL_ADDRESS: 'temporal:7234', DATABASE_URL: 'postgresql://u@db.internal:6543/x' });
    expect(checkTargetUrl('http://127.0.0.1:4000/', config.allowlist).ok).toBe(false);
    expect(checkTargetUrl('http://temporal:7234/', config.allowlist).ok).toBe(false);
    expect(checkTargetUrl('http://db.internal:6543/', config.allowlist).ok).toBe(false);
    expect(checkTargetUrl('http://127.0.0.1:4001/', config.allowlist).ok).toBe(true);
  });

  test('parseEndpoint reads host:port, [v6]:port and URLs', () => {
    expect(parseEndpoint('127.0.0.1:7233')).toEqual({ host: '127.0.0.1', port: 7233 });
    expect(parseEndpoint('[::1]:7233')).toEqual({ host: '::1', port: 7233 });
    expect(parseEndpoint('Temporal.', 7233)).toEqual({ host: 'temporal', port: 7233 });
    expect(parseEndpoint('postgresql://u:p@db:5433/x', 5432)).toEqual({ host: 'db', port: 5433 });
    expect(parseEndpoint('postgresql://u@db/x', 5432)).toEqual({ host: 'db', port: 5432 });
    expect(isLocalAddress('localhost')).toBe(true);
    expect(isLocalAddress('::')).toBe(true);
    expect(isLocalAddress('8.8.8.8')).toBe(false);
  });
});
