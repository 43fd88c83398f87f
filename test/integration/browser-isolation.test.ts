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

/** What the scheduler sees of the running browser (the one child of this process with a profile): each thread's nice, its autogroup. */
function browserPriorities(): { threadNices: number[]; autogroups: string[] } {
  const field = (stat: string, index: number) => stat.slice(stat.lastIndexOf(')') + 2).split(' ')[index];
  const pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return '';
    }
  };
  const main = pids.find((pid) => field(read(`/proc/${pid}/stat`), 1) === String(process.pid) && read(`/proc/${pid}/cmdline`).includes('--user-data-dir='));
  if (!main) throw new Error('the browser process was not found');
  // Chromium's processes stay in the session the browser leads (spawned detached).
  const session = field(read(`/proc/${main}/stat`), 3);
  const members = pids.filter((pid) => field(read(`/proc/${pid}/stat`), 3) === session);
  const threadNices = members.flatMap((pid) =>
    readdirSync(`/proc/${pid}/task`, { withFileTypes: true }).map((task) => Number(field(read(`/proc/${pid}/task/${task.name}/stat`), 16))),
  );
  const autogroups = members.map((pid) => read(`/proc/${pid}/autogroup`).trim()).filter(Boolean);
  return { threadNices: threadNices.filter((nice) => Number.isFinite(nice)), autogroups };
}

describe('a browser at a lower CPU priority (axe beside Lighthouse)', () => {
  const openPage = async (browser: BrowserEndpoint) => {
    const cdp = await chromium.connectOverCDP(`http://127.0.0.1:${browser.port}`);
    try {
      const page = await (await cdp.newContext()).newPage(); // a renderer, as axe's
      await page.goto('about:blank');
      return browserPriorities();
    } finally {
      await cdp.close();
    }
  };
  // Without a cgroup (this machine: cgroup v1); with one, the priority is the cgroup's cpu.weight.nice.
  const watchdog = { cgroupParent: undefined };

  test('niceness 10: every thread of every process at nice 10 or lower in priority, and the autogroup at 10', async () => {
    const { threadNices, autogroups } = await guarded(openPage, { ...watchdog, niceness: 10 });
    expect(threadNices.length).toBeGreaterThan(10);
    // Chromium sets its threads' nice itself (its UI thread -8 as root): it may only go lower in priority.
    expect(Math.min(...threadNices)).toBeGreaterThanOrEqual(10);
    if (existsSync('/proc/self/autogroup')) {
      expect(autogroups.length).toBeGreaterThan(3);
      for (const group of autogroups) expect(group).toMatch(/ nice 10$/);
    }
    await expectNoFilesLeft();
  }, 60_000);

  test('control, niceness 0: Chromium’s threads as it sets them, its autogroup at 0', async () => {
    const { threadNices, autogroups } = await guarded(openPage, watchdog);
    expect(Math.min(...threadNices)).toBeLessThan(10);
    for (const group of autogroups) expect(group).toMatch(/ nice 0$/);
    await expectNoFilesLeft();
  }, 60_000);
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
