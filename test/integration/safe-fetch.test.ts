import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { createSafeFetcher, SafeFetchError, withOriginAuth, type SafeFetcher, type SafeFetcherOptions } from '../../src/gather/safe-fetch.ts';
import { parseHostAllowlist } from '../../src/gather/ssrf/host-allowlist.ts';
import { reserveOwnPort } from '../../src/gather/ssrf/own-endpoints.ts';
import { loadConfig } from '../../src/platform/config.ts';

// Safety net independent of the code under test: every address handed to net.connect is recorded,
// and anything but loopback fails before a packet leaves, so a regression cannot reach the network.
const dialled: string[] = [];
const isLoopback = (ip: string) => ip.startsWith('127.') || ip === '::1';
const realConnect = net.connect;
const refuseDial = (ip: string): net.LookupFunction => (_host, _options, callback) =>
  callback(new Error(`test guard: refused to dial ${ip}`), '');

function guardedConnect(options: net.TcpNetConnectOpts): net.Socket {
  const host = options.host ?? '';
  if (net.isIP(host)) {
    dialled.push(host);
    return isLoopback(host) ? realConnect(options) : realConnect({ ...options, host: 'guard.invalid', lookup: refuseDial(host) });
  }
  const lookup = options.lookup ?? refuseDial(`${host} via the system resolver`);
  return realConnect({
    ...options,
    lookup: (hostname, lookupOptions, callback) =>
      lookup(hostname, lookupOptions, (error, address, family) => {
        const addresses = typeof address === 'string' ? [address] : address.map((entry) => entry.address);
        if (!error) dialled.push(...addresses);
        const outside = addresses.find((ip) => ip && !isLoopback(ip));
        if (!error && outside) callback(new Error(`test guard: refused to dial ${outside}`), '');
        else callback(error, address, family);
      }),
  });
}

type Seen = { path: string; host: string | undefined; userAgent: string | undefined; authorization: string | undefined; cookie?: string | undefined };

async function startServer(address: string, handle: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ path: req.url ?? '', host: req.headers.host, userAgent: req.headers['user-agent'], authorization: req.headers.authorization, cookie: req.headers.cookie });
    handle(req, res);
  });
  server.listen(0, address);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { server, seen, port, origin: `http://${address}:${port}` };
}

let main: Awaited<ReturnType<typeof startServer>>;
let other: Awaited<ReturnType<typeof startServer>>;
const fetchers: SafeFetcher[] = [];

function fetcher(overrides: Partial<SafeFetcherOptions> = {}): SafeFetcher {
  const created = createSafeFetcher({ allowlist: parseHostAllowlist('127.0.0.1'), resolve: unexpectedLookup, ...overrides });
  fetchers.push(created);
  return created;
}

const unexpectedLookup = async (hostname: string): Promise<string[]> => {
  throw new Error(`unexpected DNS lookup of ${hostname}`);
};

/** A resolver that answers from a table, then from `later` on repeated questions, recording every call. */
function resolver(answers: Record<string, string[]>, later: Record<string, string[]> = {}) {
  const calls: string[] = [];
  const resolve = async (hostname: string) => {
    const repeated = calls.includes(hostname);
    calls.push(hostname);
    return (repeated ? later[hostname] : undefined) ?? answers[hostname] ?? [];
  };
  return { resolve, calls };
}

async function failure(promise: Promise<unknown>): Promise<SafeFetchError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SafeFetchError);
  return error as SafeFetchError;
}

beforeAll(async () => {
  jest.spyOn(net, 'connect').mockImplementation(guardedConnect as typeof net.connect);
  other = await startServer('127.0.0.2', (_req, res) => res.end('other'));
  main = await startServer('127.0.0.1', (req, res) => {
    const path = req.url ?? '';
    const chain = /^\/chain\/(\d+)$/.exec(path);
    if (chain) {
      const left = Number(chain[1]);
      if (left === 0) return res.end('end of chain');
      // Alternate relative and absolute locations.
      const location = left % 2 ? `/chain/${left - 1}` : `${main.origin}/chain/${left - 1}`;
      return res.writeHead(left % 2 ? 302 : 301, { location }).end();
    }
    const redirectTo = /^\/redirect-to\?(\d+)$/.exec(path);
    if (redirectTo) return res.writeHead(302, { location: `http://127.0.0.1:${redirectTo[1]}/` }).end();
    switch (path) {
      case '/ok':
        res.writeHead(200, { 'content-type': 'text/plain', 'x-fixture': 'yes', 'set-cookie': ['a=1; Path=/', 'b=2; HttpOnly'] });
        return res.end('hello');
      case '/to-other':
        return res.writeHead(302, { location: `${other.origin}/` }).end();
      case '/via-hop-b':
        return res.writeHead(302, { location: `http://hop-b.internal:${main.port}/bounce-back` }).end();
      case '/bounce-back':
        return res.writeHead(302, { location: `http://hop-a.internal:${main.port}/ok` }).end();
      case '/to-hop-b':
        return res.writeHead(307, { location: `http://hop-b.internal:${main.port}/ok` }).end();
      case '/loop':
        return res.writeHead(302, { location: '/loop' }).end();
      case '/big':
        return res.writeHead(200, { 'content-length': '4096' }).end(Buffer.alloc(4096, 'x'));
      case '/big-chunked':
        for (let i = 0; i < 8; i++) res.write(Buffer.alloc(512, 'x'));
        return res.end();
      case '/slow':
        return; // never answers
      default:
        return res.writeHead(404).end();
    }
  });
});

afterEach(async () => {
  await Promise.all(fetchers.splice(0).map((f) => f.close()));
  main.seen.length = 0;
  other.seen.length = 0;
  dialled.length = 0;
});

afterAll(async () => {
  jest.restoreAllMocks();
  for (const { server } of [main, other]) {
    server.closeAllConnections();
    server.close();
  }
});

describe('safe fetch against loopback fixtures, allowlist = 127.0.0.1', () => {
  test('returns status, lower-cased headers with set-cookie as an array, and the body', async () => {
    const page = await fetcher().fetchPage(`${main.origin}/ok`, { headers: { 'X-Trace': '1' } });

    expect(page).toMatchObject({ url: `${main.origin}/ok`, status: 200, redirects: [] });
    expect(page.headers['content-type']).toBe('text/plain');
    expect(page.headers['x-fixture']).toBe('yes');
    expect(page.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; HttpOnly']);
    expect(page.body.toString()).toBe('hello');
    expect(page.timings.totalMs).toBeGreaterThanOrEqual(0);
    expect(main.seen).toEqual([expect.objectContaining({ path: '/ok', userAgent: 'Sitewarden/0.1' })]);
    expect(dialled).toEqual(['127.0.0.1']);
  });

  test('HEAD returns headers and an empty body', async () => {
    const page = await fetcher({ userAgent: 'probe/1' }).fetchPage(`${main.origin}/big`, { method: 'HEAD' });
    expect(page.status).toBe(200);
    expect(page.body.length).toBe(0);
    expect(main.seen[0]?.userAgent).toBe('probe/1');
  });

  test('follows a redirect chain, recording every hop', async () => {
    const page = await fetcher().fetchPage(`${main.origin}/chain/3`);

    expect(page.url).toBe(`${main.origin}/chain/0`);
    expect(page.body.toString()).toBe('end of chain');
    expect(page.redirects).toEqual([
      { url: `${main.origin}/chain/3`, status: 302, location: '/chain/2' },
      { url: `${main.origin}/chain/2`, status: 301, location: `${main.origin}/chain/1` },
      { url: `${main.origin}/chain/1`, status: 302, location: '/chain/0' },
    ]);
  });

  test('refuses a redirect to a non-allowlisted loopback address without connecting to it', async () => {
    const error = await failure(fetcher().fetchPage(`${main.origin}/to-other`));

    expect(error).toMatchObject({ code: 'refused', permanent: true });
    expect(error.message).toBe('redirect refused: host is in a private or reserved address range (loopback)');
    expect(other.seen).toEqual([]);
    expect(dialled).not.toContain('127.0.0.2');
  });

  test('stops a redirect loop at maxRedirects', async () => {
    const error = await failure(fetcher({ maxRedirects: 3 }).fetchPage(`${main.origin}/loop`));

    expect(error).toMatchObject({ code: 'too_many_redirects', permanent: true });
    expect(main.seen).toHaveLength(4);
  });

  test('refuses [::1] before any connection', async () => {
    const error = await failure(fetcher().fetchPage(`http://[::1]:${main.port}/ok`));
    expect(error).toMatchObject({ code: 'refused', permanent: true });
    expect(dialled).toEqual([]);
  });

  test('rejects malformed URLs as bad_url and other schemes as refused', async () => {
    await expect(fetcher().fetchPage('not a url')).rejects.toMatchObject({ code: 'bad_url', permanent: true });
    await expect(fetcher().fetchPage('file:///etc/passwd')).rejects.toMatchObject({ code: 'refused' });
  });

  test('refuses a name that resolves to 127.0.0.1 unless the name itself is allowlisted', async () => {
    const { resolve, calls } = resolver({ 'app.example.com': ['127.0.0.1'] });
    const error = await failure(fetcher({ resolve }).fetchPage(`http://app.example.com:${main.port}/ok`));

    expect(error).toMatchObject({ code: 'refused', permanent: true });
    expect(error.message).toBe('app.example.com resolves to a private or reserved address range (loopback)');
    expect(calls).toEqual(['app.example.com']);
    expect(dialled).toEqual([]);
    expect(main.seen).toEqual([]);
  });

  test('allows a name listed in the allowlist even though it resolves to loopback', async () => {
    const { resolve } = resolver({ 'fixture.internal': ['127.0.0.1'] });
    const page = await fetcher({ allowlist: parseHostAllowlist('127.0.0.1, fixture.internal'), resolve }).fetchPage(
      `http://fixture.internal:${main.port}/ok`,
    );

    expect(page.status).toBe(200);
    expect(main.seen[0]?.host).toBe(`fixture.internal:${main.port}`);
  });

  test('checks every answer: one public plus one private answer is refused without connecting', async () => {
    const { resolve, calls } = resolver({ 'mixed.example.com': ['93.184.216.34', '127.0.0.1'] });
    const error = await failure(fetcher({ resolve }).fetchPage(`http://mixed.example.com:${main.port}/ok`));

    expect(error).toMatchObject({ code: 'refused' });
    expect(error.message).toContain('(loopback)');
    expect(calls).toHaveLength(1);
    expect(dialled).toEqual([]);
  });

  // The classic rebinding order (public, then private) would need a real public connection to
  // exercise; its defence is the pinning shown below. Here the private answer comes first.
  test('a rebinding resolver gets exactly one question per connection and no connection when private', async () => {
    const { resolve, calls } = resolver({ 'rebind.example.com': ['10.0.0.7'] }, { 'rebind.example.com': ['93.184.216.34'] });
    const error = await failure(fetcher({ resolve }).fetchPage(`http://rebind.example.com:${main.port}/ok`));

    expect(error).toMatchObject({ code: 'refused' });
    expect(calls).toEqual(['rebind.example.com']);
    expect(dialled).toEqual([]);
  });

  test('pins the connection to the checked answer: one lookup per hop, no second lookup to rebind', async () => {
    // Later answers point at the other server; a second lookup would make the request land there.
    const { resolve, calls } = resolver(
      { 'hop-a.internal': ['127.0.0.1'], 'hop-b.internal': ['127.0.0.1'] },
      { 'hop-a.internal': ['127.0.0.2'], 'hop-b.internal': ['127.0.0.2'] },
    );
    const allowlist = parseHostAllowlist('hop-a.internal hop-b.internal');
    const page = await fetcher({ allowlist, resolve }).fetchPage(`http://hop-a.internal:${main.port}/to-hop-b`, {
      headers: { Authorization: 'Bearer secret' },
    });

    expect(page.url).toBe(`http://hop-b.internal:${main.port}/ok`);
    expect(calls).toEqual(['hop-a.internal', 'hop-b.internal']);
    expect(dialled).toEqual(['127.0.0.1', '127.0.0.1']);
    expect(other.seen).toEqual([]);
    // Credentials are not forwarded to another origin.
    expect(main.seen.map((s) => s.authorization)).toEqual(['Bearer secret', undefined]);
  });

  test("sends a site-auth's credentials to its origin's hops only, through a redirect away and back", async () => {
    const { resolve } = resolver({ 'hop-a.internal': ['127.0.0.1'], 'hop-b.internal': ['127.0.0.1'] });
    const allowlist = parseHostAllowlist('hop-a.internal hop-b.internal');
    const auth = { origin: `http://hop-a.internal:${main.port}`, headers: { Authorization: 'Bearer site' }, cookies: [{ name: 'sid', value: 's1', path: '/' }] };
    const page = await withOriginAuth(fetcher({ allowlist, resolve }), auth).fetchPage(`http://hop-a.internal:${main.port}/via-hop-b`);

    expect(page.url).toBe(`http://hop-a.internal:${main.port}/ok`);
    expect(main.seen.map(({ host, path, authorization, cookie }) => ({ host: host?.split(':')[0], path, authorization, cookie }))).toEqual([
      { host: 'hop-a.internal', path: '/via-hop-b', authorization: 'Bearer site', cookie: 'sid=s1' },
      { host: 'hop-b.internal', path: '/bounce-back', authorization: undefined, cookie: undefined },
      { host: 'hop-a.internal', path: '/ok', authorization: 'Bearer site', cookie: 'sid=s1' },
    ]);
  });

  test.each(['/big', '/big-chunked'])('fails with too_large when %s exceeds maxBytes', async (path) => {
    const error = await failure(fetcher({ maxBytes: 1000 }).fetchPage(`${main.origin}${path}`));
    expect(error).toMatchObject({ code: 'too_large', permanent: true, message: 'response body exceeds 1000 bytes' });
  });

  test('times out a slow server', async () => {
    const started = Date.now();
    const error = await failure(fetcher({ timeoutMs: 200 }).fetchPage(`${main.origin}/slow`));

    expect(error).toMatchObject({ code: 'timeout', permanent: false });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('reports a refused connection as a transient network error', async () => {
    const closed = http.createServer().listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const { port } = closed.address() as AddressInfo;
    await new Promise((done) => closed.close(done));

    const error = await failure(fetcher().fetchPage(`http://127.0.0.1:${port}/`));
    expect(error).toMatchObject({ code: 'network', permanent: false });
    expect(error.message).toContain('ECONNREFUSED');
  });
});

describe('ports: allowlist entries with a port, and the instance’s own ports', () => {
  test('a host:port entry opens that port and no other, and nothing is dialled for the refused one', async () => {
    const allowlist = parseHostAllowlist(`127.0.0.1:${main.port}`);
    const page = await fetcher({ allowlist }).fetchPage(`${main.origin}/ok`);
    expect(page.status).toBe(200);

    const elsewhere = await startServer('127.0.0.1', (_req, res) => res.end('elsewhere'));
    try {
      const error = await failure(fetcher({ allowlist }).fetchPage(`${elsewhere.origin}/`));
      expect(error).toMatchObject({ code: 'refused' });
      expect(elsewhere.seen).toEqual([]);
    } finally {
      elsewhere.server.close();
    }
  });

  test('a redirect to a host:port entry’s neighbouring port is refused', async () => {
    const allowlist = parseHostAllowlist(`127.0.0.1:${main.port}`);
    const error = await failure(fetcher({ allowlist }).fetchPage(`${main.origin}/to-other`));
    expect(error).toMatchObject({ code: 'refused' });
    expect(other.seen).toEqual([]);
  });

  test('a reserved own port is refused though 127.0.0.1 is allowlisted, and it sees no request', async () => {
    const own = await startServer('127.0.0.1', (_req, res) => res.end('the instance itself'));
    const release = reserveOwnPort(own.port);
    try {
      const error = await failure(fetcher().fetchPage(`${own.origin}/`));
      expect(error).toMatchObject({ code: 'refused', message: expect.stringContaining("one of this instance's own services") });
      // Also through a redirect from an allowed page.
      const redirected = await failure(fetcher().fetchPage(`${main.origin}/redirect-to?${own.port}`));
      expect(redirected).toMatchObject({ code: 'refused', message: expect.stringContaining('redirect refused') });
      expect(own.seen).toEqual([]);
    } finally {
      release();
      own.server.close();
    }
    // Released: reachable again.
    const again = await startServer('127.0.0.1', (_req, res) => res.end('free'));
    try {
      expect((await fetcher().fetchPage(`${again.origin}/`)).status).toBe(200);
    } finally {
      again.server.close();
    }
  });

  test('the settings’ own endpoints are refused through config: API port, Temporal, database', async () => {
    const api = await startServer('127.0.0.1', (_req, res) => res.end('api'));
    try {
      const config = loadConfig({ SITEWARDEN_ALLOW_PRIVATE_HOSTS: '127.0.0.1', PORT: String(api.port) });
      const error = await failure(fetcher({ allowlist: config.allowlist }).fetchPage(`${api.origin}/readyz`));
      expect(error).toMatchObject({ code: 'refused', message: expect.stringContaining(`port ${api.port}`) });
      expect(api.seen).toEqual([]);
    } finally {
      api.server.close();
    }
  });

  test('a cloud metadata address is refused before any connection, even with everything allowlisted', async () => {
    const error = await failure(fetcher({ allowlist: parseHostAllowlist('0.0.0.0/0') }).fetchPage('http://169.254.169.254/latest/meta-data/'));
    expect(error).toMatchObject({ code: 'refused', message: expect.stringContaining('cloud metadata service') });
    expect(dialled).not.toContain('169.254.169.254');
    const named = await failure(
      fetcher({ allowlist: parseHostAllowlist('metadata.corp'), resolve: async () => ['168.63.129.16'] }).fetchPage('http://metadata.corp/'),
    );
    expect(named).toMatchObject({ code: 'refused', message: expect.stringContaining('Azure WireServer') });
    expect(dialled).not.toContain('168.63.129.16');
  });
});
