import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net, { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { CHROMIUM_STARTUP_TIMEOUT_MS } from '../domain/activity-timeouts.ts';
import { BrowserLimitExceeded, confine, DEFAULT_BROWSER_LIMITS, type BrowserLimits } from './browser-limits.ts';
import { cpuShare } from './cpu-share.ts';
import { defaultResolve, type Resolver } from './safe-fetch.ts';
import { normaliseHost, type HostAllowlist } from './ssrf/host-allowlist.ts';
import { reserveOwnPort } from './ssrf/own-endpoints.ts';
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
  // WebRTC sends STUN/TURN over UDP straight from the renderer, around the SOCKS guard (which
  // carries TCP only). Only proxied (TCP) candidates remain, and those go through the guard. The
  // force switch keeps a profile preference or a page from loosening it.
  '--webrtc-ip-handling-policy=disable_non_proxied_udp',
  '--force-webrtc-ip-handling-policy',
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
  /** Memory, CPU and wall-clock bounds of the whole browser; DEFAULT_BROWSER_LIMITS when omitted. */
  limits?: BrowserLimits;
  /**
   * The browser's CPU priority beside this process's other browsers (src/gather/cpu-share.ts):
   * `favoured` (Lighthouse) lowers the yielding ones while it runs; a yielding one (axe) runs at
   * `niceness` while a favoured one runs, for at most `forMs` from its start. Unset: neither.
   */
  cpu?: 'favoured' | { niceness: number; forMs: number };
  /** Called with the highest memory use seen, once the browser is gone (benchmarks, tests). */
  onPeakMemory?: (bytes: number, mode: 'cgroup' | 'watchdog') => void;
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
    return await runChromium(options, proxyFlags, use);
  } finally {
    proxy?.close();
  }
}

/**
 * The browser's whole world on disk: profile, HOME, XDG directories, TMPDIR and the download
 * directory all live under one temporary directory, removed on every path. A page (or Chromium
 * itself) has nowhere else to write, and the worker user's own files are out of its reach.
 */
async function makeBrowserHome(): Promise<{ root: string; profile: string; env: NodeJS.ProcessEnv }> {
  const root = await mkdtemp(join(tmpdir(), BROWSER_HOME_PREFIX));
  // Who made it: a worker killed before its cleanup leaves the directory, and the next start
  // removes those whose maker is gone (removeStaleBrowserHomes).
  await writeFile(join(root, OWNER_FILE), JSON.stringify(await processIdentity(process.pid)));
  const dir = async (...parts: string[]) => {
    const path = join(root, ...parts);
    await mkdir(path, { recursive: true, mode: 0o700 });
    return path;
  };
  const profile = await dir('profile');
  const downloads = await dir('home', 'Downloads');
  // Downloads are denied over DevTools (denyDownloads); should that ever not hold, they land here.
  await writeFile(
    join(await dir('profile', 'Default'), 'Preferences'),
    JSON.stringify({ download: { default_directory: downloads, prompt_for_download: false }, savefile: { default_directory: downloads } }),
  );
  // Only what Chromium needs: the worker's own environment holds database and storage credentials.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: join(root, 'home'),
    XDG_CONFIG_HOME: await dir('home', '.config'),
    XDG_CACHE_HOME: await dir('home', '.cache'),
    XDG_DATA_HOME: await dir('home', '.local', 'share'),
    XDG_RUNTIME_DIR: await dir('run'),
    XDG_DOWNLOAD_DIR: downloads,
    TMPDIR: await dir('tmp'),
    ...(process.env.LANG ? { LANG: process.env.LANG } : {}),
    ...(process.env.TZ ? { TZ: process.env.TZ } : {}),
    // The test run's marker (test/support/processes.ts): its teardown then finds a browser left behind.
    ...(process.env.SITEWARDEN_TEST_RUN ? { SITEWARDEN_TEST_RUN: process.env.SITEWARDEN_TEST_RUN } : {}),
  };
  return { root, profile, env };
}

const BROWSER_HOME_PREFIX = 'sitewarden-chromium-';
const OWNER_FILE = 'owner.json';
/** A home without an owner file (written by an older version) is stale after this long. */
const UNOWNED_STALE_MS = 6 * 60 * 60 * 1000;

/** A process as the kernel knows it: a pid is reused, a pid with its start time is not. */
async function processIdentity(pid: number): Promise<{ pid: number; start: string | null }> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return { pid, start: stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null };
  } catch {
    return { pid, start: null };
  }
}

const ownerSchema = z.object({ pid: z.number().int().positive(), start: z.string().nullable() });

/**
 * Removes the browser homes (profiles, downloads, temporary files) left in `dir` by workers that
 * died before their cleanup ran: those whose owner process is gone. Called when a worker starts;
 * the browsers themselves died with their worker (parent-death signal, browser-limits.ts).
 * Returns how many were removed.
 */
export async function removeStaleBrowserHomes(dir = tmpdir()): Promise<number> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((name) => name.startsWith(BROWSER_HOME_PREFIX));
  let removed = 0;
  for (const name of names) {
    const root = join(dir, name);
    if (!(await isStale(root))) continue;
    await rm(root, { recursive: true, force: true, maxRetries: 3 });
    removed++;
  }
  return removed;
}

async function isStale(root: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(join(root, OWNER_FILE), 'utf8');
  } catch {
    const info = await stat(root).catch(() => null);
    return info !== null && info.isDirectory() && Date.now() - info.mtimeMs > UNOWNED_STALE_MS;
  }
  let owner: z.infer<typeof ownerSchema>;
  try {
    owner = ownerSchema.parse(JSON.parse(text));
  } catch {
    return true;
  }
  const now = await processIdentity(owner.pid);
  return now.start === null || now.start !== owner.start;
}

async function runChromium<T>(options: BrowserOptions, flags: string[], use: (browser: BrowserEndpoint) => Promise<T>): Promise<T> {
  const { chromePath, signal } = options;
  // A missing browser is an ENOENT from here, not an exit code from the wrapper that execs it.
  await access(chromePath, constants.X_OK);
  const confinement = await confine(options.limits ?? DEFAULT_BROWSER_LIMITS);
  const home = await makeBrowserHome().catch(async (error: unknown) => {
    await confinement.release();
    throw error;
  });
  // A limit the browser breaks aborts whatever is pending with the limit's reason, then kills it.
  const overLimit = new AbortController();
  const stop = signal ? AbortSignal.any([signal, overLimit.signal]) : overLimit.signal;
  const [command, args] = confinement.wrap(chromePath, [...CHROMIUM_FLAGS, ...flags, `--user-data-dir=${home.profile}`, 'about:blank']);
  // detached: Chromium leads a process group of its own, so one kill reaches every process it forks.
  const chromium = spawn(command, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: home.env, cwd: home.root });
  const closed = once(chromium, 'close').catch(() => {});
  if (chromium.pid !== undefined) {
    const pid = chromium.pid;
    confinement.watch(pid, (error) => {
      overLimit.abort(error);
      killGroup(pid);
    });
  }
  const { cpu } = options;
  const releaseCpu =
    cpu === 'favoured' ? cpuShare.favour() : cpu ? cpuShare.yieldTo(cpu.niceness, cpu.forMs, (niceness) => void confinement.setNiceness(niceness).catch(() => {})) : () => {};
  let downloads: DevToolsSession | undefined;
  let releasePort = () => {};
  try {
    const { port, browserPath } = await abortable(devTools(chromium), stop);
    // The page must not drive its own browser (or another one) over DevTools.
    releasePort = reserveOwnPort(port);
    downloads = await abortable(denyDownloads(port, browserPath), stop);
    return await abortable(use({ port }), stop);
  } catch (error) {
    // The limit's reason wins over whatever the dying browser made the caller see.
    if (overLimit.signal.aborted && !signal?.aborted) throw overLimit.signal.reason as BrowserLimitExceeded;
    throw error;
  } finally {
    releaseCpu();
    downloads?.close();
    await kill(chromium, closed);
    releasePort();
    // memory.peak is read before the cgroup goes.
    options.onPeakMemory?.(confinement.peakMemoryBytes(), confinement.mode);
    await confinement.release();
    await rm(home.root, { recursive: true, force: true, maxRetries: 3 });
  }
}

interface DevToolsSession {
  close(): void;
}

/**
 * Denies downloads in the browser's default context (Lighthouse's tabs) over a browser-level
 * DevTools session. Chromium resets the behaviour when the session that set it detaches, so the
 * session stays open while the browser runs. Playwright's contexts (axe) deny their own
 * (acceptDownloads: false).
 */
async function denyDownloads(port: number, browserPath: string): Promise<DevToolsSession> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}${browserPath}`);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new Error('could not open a DevTools session to deny downloads')), { once: true });
  });
  const answered = new Promise<void>((resolve, reject) => {
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as { id?: number; error?: { message?: string } };
      if (message.id !== 1) return;
      if (message.error) reject(new Error(`Browser.setDownloadBehavior failed: ${message.error.message ?? 'unknown error'}`));
      else resolve();
    });
    socket.addEventListener('close', () => reject(new Error('DevTools session closed before downloads were denied')), { once: true });
  });
  socket.send(JSON.stringify({ id: 1, method: 'Browser.setDownloadBehavior', params: { behavior: 'deny' } }));
  try {
    await answered;
  } catch (error) {
    socket.close();
    throw error;
  }
  return { close: () => socket.close() };
}

/** The DevTools port and browser path Chromium announces on stderr; stderr keeps being drained afterwards. */
function devTools(chromium: Chromium): Promise<{ port: number; browserPath: string }> {
  return new Promise((resolve, reject) => {
    let output = '';
    chromium.stderr.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4_000);
      const found = /DevTools listening on ws:\/\/[^/]+:(\d+)(\/devtools\/browser\/[\w-]+)/.exec(output);
      if (found) resolve({ port: Number(found[1]), browserPath: found[2] as string });
    });
    chromium.once('error', reject);
    chromium.once('exit', (code, signal) => reject(new Error(`Chromium exited (${code ?? signal}) before it was ready: ${output.trim().slice(-500)}`)));
    setTimeout(() => reject(new Error(`Chromium was not ready within ${STARTUP_TIMEOUT_MS} ms`)), STARTUP_TIMEOUT_MS).unref();
  });
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group is gone already
  }
}

async function kill(chromium: Chromium, closed: Promise<unknown>): Promise<void> {
  if (chromium.pid === undefined) return; // never started
  killGroup(chromium.pid);
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
    const refusal = resolvedAddressRefusal(name, addresses, allowlist, port);
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
  // A page asking the proxy to connect to the proxy itself gets no second hop.
  const release = reserveOwnPort(port);
  return {
    server: `socks5://127.0.0.1:${port}`,
    refused,
    close() {
      release();
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
