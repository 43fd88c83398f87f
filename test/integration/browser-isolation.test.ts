import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { runAxe } from '../../src/gather/axe.ts';
import { BrowserLimitExceeded, DEFAULT_BROWSER_LIMITS, type BrowserLimits } from '../../src/gather/browser-limits.ts';
import { startGuardProxy, withBrowser, type BrowserEndpoint } from '../../src/gather/browser.ts';
import { runLighthouse } from '../../src/gather/lighthouse.ts';
import { parseHostAllowlist } from '../../src/gather/ssrf/host-allowlist.ts';
import { reserveOwnPort } from '../../src/gather/ssrf/own-endpoints.ts';
import { startHostileSite, strayDownloads, type HostileSite } from '../support/hostile-site.ts';

// Real Chromium against the hostile pages on 127.0.0.1, through the same guard the scanners use.
const chromePath = process.env.CHROME_PATH ?? '/usr/bin/chromium';
const allowlist = parseHostAllowlist('127.0.0.1');
let site: HostileSite;
const outerTmp = process.env.TMPDIR;
let scratch: string;

beforeAll(async () => {
  site = await startHostileSite();
});
afterAll(async () => {
  await site.close();
});
// Each test's browser gets a TMPDIR of its own, so "nothing left behind" is exact.
beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'browser-isolation-'));
  process.env.TMPDIR = scratch;
  site.datagrams.length = 0;
});
afterEach(() => {
  if (outerTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = outerTmp;
  rmSync(scratch, { recursive: true, force: true });
});

const guarded = <T>(use: (browser: BrowserEndpoint) => Promise<T>, limits?: Partial<BrowserLimits>, onPeakMemory?: (bytes: number) => void) =>
  withBrowser({ chromePath, guard: { allowlist }, limits: { ...DEFAULT_BROWSER_LIMITS, ...limits }, ...(onPeakMemory ? { onPeakMemory } : {}) }, use);

/** After the page ran: nothing left in TMPDIR (the browser's directory is gone) and no download anywhere the worker writes. */
async function expectNoFilesLeft(): Promise<void> {
  expect(readdirSync(scratch)).toEqual([]);
  expect(await strayDownloads(site.token, scratch, outerTmp)).toEqual([]);
}

async function settle(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

describe('WebRTC cannot send UDP past the guard', () => {
  test('control: a Chromium without the policy does reach the listener (the fixture works)', async () => {
    const browser = await chromium.launch({ executablePath: chromePath, args: ['--no-sandbox', '--headless=new'] });
    try {
      const page = await browser.newPage();
      await page.goto(site.url('/webrtc'), { waitUntil: 'load' });
      await settle(500);
    } finally {
      await browser.close();
    }
    expect(site.datagrams.length).toBeGreaterThan(0);
  }, 60_000);

  test('axe: no datagram reaches the listener', async () => {
    await guarded((browser) => runAxe(browser, site.url('/webrtc'), { allowlist, timeoutMs: 30_000 }).then(() => settle(500)));
    expect(site.datagrams).toEqual([]);
  }, 60_000);

  test('Lighthouse: no datagram reaches the listener', async () => {
    await guarded((browser) => runLighthouse(browser, site.url('/webrtc'), { allowlist, timeoutMs: 90_000 }));
    expect(site.datagrams).toEqual([]);
  }, 120_000);
});

describe('downloads are denied and the browser writes only inside its temporary directory', () => {
  test('axe: the page tried, nothing was written, the directory is gone', async () => {
    site.downloadRequests.length = 0;
    await guarded(async (browser) => {
      await runAxe(browser, site.url('/download'), { allowlist, timeoutMs: 30_000 }).catch(() => {}); // the navigation to a download may abort the audit
      await settle(1_000);
      expect((await strayDownloads(site.token, scratch)).filter((path) => path.startsWith(scratch))).toEqual([]); // not even inside the browser's own directory
    });
    expect(site.downloadRequests.length).toBeGreaterThan(0);
    await expectNoFilesLeft();
  }, 60_000);

  test('Lighthouse: the page tried, nothing was written, the directory is gone', async () => {
    site.downloadRequests.length = 0;
    await guarded(async (browser) => {
      await runLighthouse(browser, site.url('/download'), { allowlist, timeoutMs: 90_000 }).catch(() => {});
      await settle(1_000);
      expect((await strayDownloads(site.token, scratch)).filter((path) => path.startsWith(scratch))).toEqual([]);
    });
    expect(site.downloadRequests.length).toBeGreaterThan(0);
    await expectNoFilesLeft();
  }, 120_000);
});

describe('each browser is bounded', () => {
  test('a page that allocates without end fails with the memory limit as its reason; the peak is reported', async () => {
    const limit = 512 * 1024 * 1024;
    let peak = 0;
    const audit = guarded((browser) => runAxe(browser, site.url('/memory'), { allowlist, timeoutMs: 60_000 }), { memoryBytes: limit }, (bytes) => (peak = bytes));
    await expect(audit).rejects.toThrow(BrowserLimitExceeded);
    await expect(audit).rejects.toThrow('the browser went over its memory limit of 512 MB');
    // The enforced ceiling: the highest sample before the kill (printed for the report).
    console.log(`browser memory ceiling: limit 512 MB, highest sample ${Math.round(peak / (1024 * 1024))} MB`);
    expect(peak).toBeGreaterThan(limit);
    await expectNoFilesLeft();
  }, 90_000);

  test('a page that spins fails with the CPU-time limit as its reason', async () => {
    const audit = guarded((browser) => runAxe(browser, site.url('/spin'), { allowlist, timeoutMs: 60_000 }), { cpuSeconds: 4 });
    await expect(audit).rejects.toThrow('the browser used more than its CPU-time limit of 4 s');
    await expectNoFilesLeft();
  }, 90_000);

  test('a browser over its wall-clock limit is killed with that reason, whatever its caller waits for', async () => {
    const started = Date.now();
    const never = guarded(() => new Promise<never>(() => {}), { wallClockMs: 3_000 });
    await expect(never).rejects.toThrow('the browser ran longer than its wall-clock limit of 3 s');
    expect(Date.now() - started).toBeLessThan(15_000);
    await expectNoFilesLeft();
  }, 30_000);
});

/** The browsers this process runs: its children with a Chromium profile. */
function browserPids(): string[] {
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return '';
    }
  };
  const ppid = (pid: string) => {
    const stat = read(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1];
  };
  return readdirSync('/proc').filter((pid) => /^\d+$/.test(pid) && ppid(pid) === String(process.pid) && read(`/proc/${pid}/cmdline`).includes('--user-data-dir='));
}

/** The nice of the autogroup of every process in the browser's session (Chromium's processes stay in the session it leads). */
function sessionAutogroups(leader: string): string[] {
  const session = (pid: string) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3];
    } catch {
      return undefined;
    }
  };
  const members = readdirSync('/proc').filter((pid) => /^\d+$/.test(pid) && session(pid) === leader);
  return members.map((pid) => / nice (-?\d+)$/.exec(readFileSync(`/proc/${pid}/autogroup`, 'utf8').trim())?.[1] ?? '?');
}

const withAutogroups = existsSync('/proc/self/autogroup') ? describe : describe.skip;

withAutogroups('axe yields the CPU to a Lighthouse beside it (outside a cgroup: its autogroup’s nice)', () => {
  const watchdog = { ...DEFAULT_BROWSER_LIMITS, cgroupParent: undefined };
  /**
   * A yielding browser started while a favoured one (Lighthouse's) runs, or alone: the nice of its
   * processes' autogroups once it is up (the browser, zygotes, GPU and network processes), after
   * `waitMs`, then once the favoured one is gone. On a loaded machine a browser at nice 10 starts
   * slowly: the snapshot is taken as soon as it is up, not after a page load.
   */
  async function yieldingBeside(cpu: { niceness: number; forMs: number }, favoured: boolean, waitMs = 0) {
    const seen: { during?: string[]; afterFavoured?: string[] } = {};
    let releaseFavoured = () => {};
    const held = new Promise<void>((resolve) => (releaseFavoured = resolve));
    const lighthouse = favoured ? withBrowser({ chromePath, limits: watchdog, cpu: 'favoured' }, () => held) : Promise.resolve();
    await settle(favoured ? 1_000 : 0);
    const before = new Set(browserPids());
    try {
      await withBrowser({ chromePath, limits: watchdog, cpu }, async () => {
        await settle(waitMs);
        const leader = browserPids().find((pid) => !before.has(pid));
        if (!leader) throw new Error('the yielding browser was not found');
        seen.during = sessionAutogroups(leader);
        releaseFavoured();
        await lighthouse;
        seen.afterFavoured = sessionAutogroups(leader);
      });
    } finally {
      releaseFavoured();
      await lighthouse;
    }
    return seen;
  }

  test('while Lighthouse runs every process of axe’s browser is in an autogroup at nice 10; when it is gone, at 0', async () => {
    const { during, afterFavoured } = await yieldingBeside({ niceness: 10, forMs: 120_000 }, true);
    expect(during!.length).toBeGreaterThanOrEqual(3);
    expect(new Set(during)).toEqual(new Set(['10']));
    expect(new Set(afterFavoured)).toEqual(new Set(['0']));
  }, 180_000);

  test('past its window (forMs) it is back at 0 though Lighthouse still runs', async () => {
    const { during } = await yieldingBeside({ niceness: 10, forMs: 500 }, true, 1_000);
    expect(new Set(during)).toEqual(new Set(['0']));
  }, 180_000);

  test('without a Lighthouse beside it, or with niceness 0, it runs at 0', async () => {
    expect(new Set((await yieldingBeside({ niceness: 10, forMs: 60_000 }, false)).during)).toEqual(new Set(['0']));
    expect(new Set((await yieldingBeside({ niceness: 0, forMs: 60_000 }, true)).during)).toEqual(new Set(['0']));
  }, 180_000);
});

describe('the guard keeps pages off the instance’s own ports', () => {
  /** A SOCKS5 CONNECT to 127.0.0.1:`port` through the guard: the reply code (0 = connected). */
  async function socksConnect(proxyServer: string, port: number): Promise<number> {
    const proxyPort = Number(new URL(proxyServer).port);
    const socket = net.connect(proxyPort, '127.0.0.1');
    const replies: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => replies.push(chunk));
    socket.write(Buffer.from([5, 1, 0]));
    const request = Buffer.from([5, 1, 0, 1, 127, 0, 0, 1, 0, 0]);
    request.writeUInt16BE(port, 8);
    socket.write(request);
    for (let i = 0; i < 100 && Buffer.concat(replies).length < 12; i++) await settle(20);
    socket.destroy();
    return Buffer.concat(replies)[3] ?? -1;
  }

  test('a running browser’s DevTools port and the proxy itself are refused; an allowlisted port is not', async () => {
    const proxy = await startGuardProxy(allowlist);
    try {
      await guarded(async (browser) => {
        expect(await socksConnect(proxy.server, browser.port)).toBe(2);
      });
      expect(await socksConnect(proxy.server, Number(new URL(proxy.server).port))).toBe(2);
      expect(await socksConnect(proxy.server, Number(new URL(site.origin).port))).toBe(0);
      const release = reserveOwnPort(Number(new URL(site.origin).port));
      expect(await socksConnect(proxy.server, Number(new URL(site.origin).port))).toBe(2);
      release();
      expect(proxy.refused.join('\n')).toContain("one of this instance's own services");
    } finally {
      proxy.close();
    }
  }, 60_000);
});
