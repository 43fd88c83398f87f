import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import net, { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { CHROMIUM_STARTUP_TIMEOUT_MS } from '../domain/activity-timeouts.ts';
import { defaultResolve, type Resolver } from './safe-fetch.ts';
import { normaliseHost, type HostAllowlist } from './ssrf/host-allowlist.ts';
import { resolvedAddressRefusal } from './ssrf/target-policy.ts';
import { checkTargetUrl } from './ssrf/url-guard.ts';

const CHROMIUM_FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
  // Chromium's own background services (the quiet set chrome-launcher uses): no traffic but the page's.
  '--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,InterestFeedContentSuggestions,CertificateTransparencyComponentUpdater,AutofillServerCommunication,PrivacySandboxSettings4',
  '--disable-extensions',
  '--disable-component-extensions-with-background-pages',
  '--disable-default-apps',
  '--disable-domain-reliability',
  '--disable-client-side-phishing-detection',
  '--disable-field-trial-config',
  '--disable-breakpad',
  '--disable-search-engine-choice-screen',
  '--metrics-recording-only',
  '--no-default-browser-check',
  '--mute-audio',
  // Chromium picks a free port and prints it: no race for a port chosen beforehand.
  '--remote-debugging-port=0',
];
const STARTUP_TIMEOUT_MS = CHROMIUM_STARTUP_TIMEOUT_MS;
/** How long to wait, after the kill, for every process of the group to let go of stderr. */
const EXIT_WAIT_MS = 5_000;

/** A running Chromium, reachable over the DevTools protocol on 127.0.0.1:`port`. */
export interface BrowserEndpoint {
  port: number;
}

type Chromium = ChildProcessByStdio<null, null, Readable>;

export interface BrowserOptions {
  chromePath: string;
  signal?: AbortSignal;
  /**
   * Sends every connection of the browser through a guard proxy (startGuardProxy). Lighthouse
   * needs it: it drives the page itself. runAxe guards its own context either way.
   */
  guard?: { allowlist: HostAllowlist; resolve?: Resolver };
}

/**
 * Starts a headless Chromium with a fresh profile, hands it to `use`, then kills it (its whole
 * process group) and deletes the profile, whatever happened. An abort, during start-up or while
 * `use` runs, kills it at once and rejects with the signal's reason (an AbortError unless the
 * caller gave another).
 */
export async function withBrowser<T>(options: BrowserOptions, use: (browser: BrowserEndpoint) => Promise<T>): Promise<T> {
  const { signal, guard } = options;
  signal?.throwIfAborted();
  const proxy = guard ? await startGuardProxy(guard.allowlist, guard.resolve) : undefined;
  try {
    // <-loopback>: Chromium would otherwise reach 127.0.0.0/8 and ::1 around the proxy.
    const proxyFlags = proxy ? [`--proxy-server=${proxy.server}`, '--proxy-bypass-list=<-loopback>'] : [];
    return await runChromium(options.chromePath, proxyFlags, signal, use);
  } finally {
    proxy?.close();
  }
}

async function runChromium<T>(chromePath: string, flags: string[], signal: AbortSignal | undefined, use: (browser: BrowserEndpoint) => Promise<T>): Promise<T> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'sitewarden-chromium-'));
  // detached: Chromium leads a process group of its own, so one kill reaches every process it forks.
  const chromium = spawn(chromePath, [...CHROMIUM_FLAGS, ...flags, `--user-data-dir=${userDataDir}`, 'about:blank'], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const closed = once(chromium, 'close').catch(() => {});
  try {
    const port = await abortable(devToolsPort(chromium), signal);
    return await abortable(use({ port }), signal);
  } finally {
    await kill(chromium, closed);
    await rm(userDataDir, { recursive: true, force: true, maxRetries: 3 });
  }
}

/** The DevTools port Chromium announces on stderr; stderr keeps being drained afterwards. */
function devToolsPort(chromium: Chromium): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    chromium.stderr.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4_000);
      const port = /DevTools listening on ws:\/\/[^/]+:(\d+)\//.exec(output)?.[1];
      if (port) resolve(Number(port));
    });
    chromium.once('error', reject);
    chromium.once('exit', (code, signal) => reject(new Error(`Chromium exited (${code ?? signal}) before it was ready: ${output.trim().slice(-500)}`)));
    setTimeout(() => reject(new Error(`Chromium was not ready within ${STARTUP_TIMEOUT_MS} ms`)), STARTUP_TIMEOUT_MS).unref();
  });
}

async function kill(chromium: Chromium, closed: Promise<unknown>): Promise<void> {
  if (chromium.pid === undefined) return; // never started
  try {
    process.kill(-chromium.pid, 'SIGKILL');
  } catch {
    // the group is gone already
  }
  // 'close' comes once every process holding Chromium's stderr (its whole tree) has exited.
  await Promise.race([closed, sleep(EXIT_WAIT_MS, undefined, { ref: false })]);
  chromium.stderr.destroy();
}

/** `work`, or the signal's reason as soon as it aborts. */
function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export interface GuardProxy {
  /** For Chromium's proxy setting. */
  server: string;
  /** "host:port: reason" for each connection refused so far. */
  refused: string[];
  close(): void;
}

/**
 * A SOCKS5 proxy on 127.0.0.1 that gives a browser the safe fetcher's reach. Request interception
 * (page.route) never sees redirect hops, so the guard sits on connections instead: each one is
 * judged like a URL to its host and port (checkTargetUrl, then every DNS answer of a name), and
 * dialled at exactly the address that was checked, leaving DNS rebinding no second lookup.
 */
export async function startGuardProxy(allowlist: HostAllowlist, resolve: Resolver = defaultResolve): Promise<GuardProxy> {
  const refused: string[] = [];
  const clients = new Set<net.Socket>();
  const answers = new Map<string, Promise<string[]>>();

  async function addressFor(host: string, port: number): Promise<{ address: string } | { refusal: string }> {
    const check = checkTargetUrl(`http://${isIP(host) === 6 ? `[${host}]` : host}:${port}/`, allowlist);
    if (!check.ok) return { refusal: check.reason };
    const name = normaliseHost(check.url.hostname);
    if (isIP(name)) return { address: name };
    if (!answers.has(name)) answers.set(name, resolve(name).catch(() => []));
    const addresses = (await answers.get(name)) ?? [];
    const [first] = addresses;
    if (first === undefined) return { refusal: `no addresses found for ${name}` };
    const refusal = resolvedAddressRefusal(name, addresses, allowlist);
    return refusal ? { refusal } : { address: first };
  }

  // RFC 1928, CONNECT without authentication: all Chromium asks of a socks5:// proxy.
  async function serve(client: net.Socket): Promise<void> {
    const [version, methodCount = 0] = await readExactly(client, 2);
    await readExactly(client, methodCount);
    if (version !== 5) return void client.destroy();
    client.write(Buffer.from([5, 0]));
    const [, command, , addressType] = await readExactly(client, 4);
    const host = await readHost(client, addressType);
    if (host === undefined) return reply(client, 8);
    const port = (await readExactly(client, 2)).readUInt16BE();
    if (command !== 1) return reply(client, 7);

    const target = await addressFor(host, port);
    if ('refusal' in target) {
      refused.push(`${host}:${port}: ${target.refusal}`);
      return reply(client, 2);
    }
    const upstream = net.connect({ host: target.address, port });
    try {
      await once(upstream, 'connect');
    } catch {
      return reply(client, 5);
    }
    client.write(socksReply(0));
    pipeline(client, upstream, client, () => {});
  }

  const server = net.createServer((client) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.on('error', () => {}); // a browser hanging up is no concern of ours
    serve(client).catch(() => client.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  return {
    server: `socks5://127.0.0.1:${port}`,
    refused,
    close() {
      server.close();
      for (const client of clients) client.destroy();
    },
  };
}

/** A SOCKS5 reply with an all-zero bound address, which Chromium ignores. */
function socksReply(code: number): Buffer {
  return Buffer.from([5, code, 0, 1, 0, 0, 0, 0, 0, 0]);
}

function reply(client: net.Socket, code: number): void {
  client.end(socksReply(code));
}

async function readHost(client: net.Socket, addressType: number | undefined): Promise<string | undefined> {
  switch (addressType) {
    case 1:
      return [...(await readExactly(client, 4))].join('.');
    case 3: {
      const [length = 0] = await readExactly(client, 1);
      return (await readExactly(client, length)).toString('latin1');
    }
    case 4: {
      const bytes = await readExactly(client, 16);
      return Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2).toString(16)).join(':');
    }
    default:
      return undefined;
  }
}

async function readExactly(socket: net.Socket, size: number): Promise<Buffer> {
  if (size === 0) return Buffer.alloc(0);
  for (;;) {
    const chunk = socket.read(size) as Buffer | null;
    if (chunk?.length === size) return chunk;
    if (chunk || socket.readableEnded || socket.destroyed) throw new Error('SOCKS client went away');
    await once(socket, 'readable');
  }
}
