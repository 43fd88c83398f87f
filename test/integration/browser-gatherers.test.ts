import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import axeCore from 'axe-core';
import { AXE_BOUNDS, AXE_RULES } from '../../src/gather/axe-results.ts';
import { runAxe } from '../../src/gather/axe.ts';
import { withBrowser, type BrowserEndpoint } from '../../src/gather/browser.ts';
import { runLighthouse } from '../../src/gather/lighthouse.ts';
import { parseHostAllowlist } from '../../src/gather/ssrf/host-allowlist.ts';
import { reserveOwnPort } from '../../src/gather/ssrf/own-endpoints.ts';

// Real Chromium (CHROME_PATH, else Debian's) against pages served here on 127.0.0.1.
const chromePath = process.env.CHROME_PATH ?? '/usr/bin/chromium';
const allowlist = parseHostAllowlist('127.0.0.1, fixture.test');
const fixture = (path: string) => readFileSync(`${__dirname}/../fixtures/${path}`, 'utf8');
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
// A script of mostly unused functions, for the Lighthouse page.
const APP_JS = Array.from({ length: 4000 }, (_, i) => `function unused${i}(a){return a*${i}+Math.sqrt(a)%${i + 1};}`).join('\n');

/**
 * Thousands of failing elements, a megabyte attribute, an element behind ten nested shadow roots
 * (a selector per level) and long ids: everything axe reports of it must stay within AXE_BOUNDS.
 */
const HUGE_PAGE = `<!doctype html><html><body><main><div id="gallery"></div><div id="host"></div></main><script>
  const gallery = document.getElementById('gallery');
  for (let i = 0; i < 3000; i++) {
    const img = document.createElement('img');
    img.id = 'i'.repeat(5000) + i;
    if (i === 0) img.dataset.caption = 'x'.repeat(1024 * 1024);
    gallery.append(img);
  }
  let root = document.getElementById('host').attachShadow({ mode: 'open' });
  for (let level = 0; level < 10; level++) {
    const host = document.createElement('div');
    host.className = 'level-' + 'c'.repeat(3000);
    root.append(host);
    root = host.attachShadow({ mode: 'open' });
  }
  const input = document.createElement('input');
  input.id = 'deep-' + 'd'.repeat(3000);
  root.append(input);
</script></body></html>`;

async function listen(host: string, handler: http.RequestListener) {
  const server = http.createServer(handler);
  server.listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { server, port, origin: `http://${host}:${port}` };
}

let site: Awaited<ReturnType<typeof listen>>;
let other: Awaited<ReturnType<typeof listen>>;
/** Every TCP connection the 127.0.0.2 server accepted: none may come from the browser. */
const otherSaw: string[] = [];

beforeAll(async () => {
  other = await listen('127.0.0.2', (req, res) => res.end('internal'));
  other.server.on('connection', (socket) => otherSaw.push(`connection from ${socket.remotePort}`));
  other.server.on('upgrade', (_req, socket) => socket.destroy());

  const html = (res: http.ServerResponse, body: string) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
  site = await listen('127.0.0.1', (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    switch (path) {
      case '/defects':
        return html(res, fixture('a11y/defects.html'));
      case '/clean':
        return html(res, fixture('a11y/clean.html'));
      case '/tampers':
        return html(res, fixture('a11y/defects.html').replace('</body>', `<script>${fixture('a11y/tamper.js')}</script></body>`));
      case '/huge':
        return html(res, HUGE_PAGE);
      case '/reaches-out':
        return html(res, fixture('a11y/reaches-out.html').replaceAll('OTHER_PORT', String(other.port)).replaceAll('OTHER', other.origin));
      case '/redirect-to-other':
        return res.writeHead(302, { location: `${other.origin}/redirected` }).end();
      case '/pixel.png':
        return res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
      case '/slow.html':
        // The page the recorded lhr fixture comes from, plus one request the guard must refuse.
        return html(res, fixture('pagespeed/slow.html').replace('</body>', `<img src="${other.origin}/from-lighthouse.png" alt="">\n</body>`));
      case '/slow.css':
        return setTimeout(() => res.writeHead(200, { 'content-type': 'text/css' }).end('.lead { font-size: 20px }'), 600);
      case '/app.js':
        return res.writeHead(200, { 'content-type': 'text/javascript' }).end(APP_JS);
      default:
        return res.writeHead(404).end();
    }
  });
});

afterAll(async () => {
  for (const { server } of [site, other]) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const withChromium = <T>(use: (browser: BrowserEndpoint) => Promise<T>, signal?: AbortSignal) => withBrowser({ chromePath, signal }, use);
const withGuardedChromium = <T>(use: (browser: BrowserEndpoint) => Promise<T>) => withBrowser({ chromePath, guard: { allowlist } }, use);

describe('runAxe', () => {
  test('finds each known defect and keeps the artifact compact', async () => {
    const artifacts = await withChromium((browser) => runAxe(browser, `${site.origin}/defects`, { allowlist, timeoutMs: 30_000 }));

    expect(artifacts.url).toBe(`${site.origin}/defects`);
    expect(artifacts.axeVersion).toBe(axeCore.version);
    expect(artifacts.violations.map((v) => v.id).sort()).toEqual(['button-name', 'color-contrast', 'document-title', 'html-has-lang', 'image-alt', 'label']);

    const imageAlt = artifacts.violations.find((v) => v.id === 'image-alt');
    expect(imageAlt).toMatchObject({ impact: 'critical', help: 'Images must have alternative text', helpUrl: expect.stringContaining('/image-alt'), tags: expect.arrayContaining(['wcag2a']) });
    expect(imageAlt?.nodeCount).toBe(30);
    expect(imageAlt?.nodes).toHaveLength(25);
    expect(imageAlt?.nodes[0]).toEqual({ target: [expect.stringContaining('img')], html: expect.stringMatching(/^<img /), failureSummary: expect.stringContaining('Fix any of the following') });
    // axe shortens long attribute values itself; runAxe's 300-character cut is the backstop.
    expect(imageAlt?.nodes[0]?.html.length).toBeLessThanOrEqual(300);
  });

  test("a page that replaces window.axe and tampers with built-ins and DOM prototypes gets axe's own results", async () => {
    const audit = (browser: BrowserEndpoint, path: string) => runAxe(browser, `${site.origin}${path}`, { allowlist, timeoutMs: 30_000 });
    const [tampered, genuine] = await withChromium((browser) => Promise.all([audit(browser, '/tampers'), audit(browser, '/defects')]));
    expect(tampered.axeVersion).toBe(axeCore.version);
    expect(tampered.url).toBe(`${site.origin}/tampers`);
    // The tampering script changes nothing axe sees: the same violations as the untouched page.
    expect(tampered.violations).toEqual(genuine.violations);
    expect(tampered.violations.map((v) => v.id).sort()).toEqual(['button-name', 'color-contrast', 'document-title', 'html-has-lang', 'image-alt', 'label']);
    for (const rule of tampered.violations) {
      expect(AXE_RULES.has(rule.id)).toBe(true);
      expect(rule.helpUrl).toBe(AXE_RULES.get(rule.id)?.helpUrl);
      expect(rule.helpUrl).toMatch(/^https:\/\/dequeuniversity\.com\/rules\/axe\//);
    }
    expect(tampered.violations.find((v) => v.id === 'image-alt')?.nodeCount).toBe(30);
  });

  test('a huge hostile page: counts and lengths stay within the bounds', async () => {
    const artifacts = await withChromium((browser) => runAxe(browser, `${site.origin}/huge`, { allowlist, timeoutMs: 60_000 }));
    const imageAlt = artifacts.violations.find((v) => v.id === 'image-alt');
    expect(imageAlt?.nodeCount).toBe(3000);
    expect(imageAlt?.nodes).toHaveLength(AXE_BOUNDS.nodesPerRule);
    const label = artifacts.violations.find((v) => v.id === 'label');
    // axe names the element by one selector per shadow tree: 11 levels, cut to the first 5.
    expect(label?.nodes[0]?.target[0]?.split(' >>> ')).toHaveLength(AXE_BOUNDS.targetLevels);
    for (const rule of artifacts.violations) {
      expect(AXE_RULES.has(rule.id)).toBe(true);
      for (const node of rule.nodes) {
        expect(node.html.length).toBeLessThanOrEqual(AXE_BOUNDS.htmlChars);
        expect(node.failureSummary.length).toBeLessThanOrEqual(AXE_BOUNDS.failureSummaryChars);
        expect(node.target.length).toBeLessThanOrEqual(AXE_BOUNDS.targetLevels);
        for (const selector of node.target) expect(selector.length).toBeLessThanOrEqual(AXE_BOUNDS.targetLevels * (AXE_BOUNDS.selectorChars + 5));
      }
    }
    expect(JSON.stringify(artifacts).length).toBeLessThan(200_000);
  }, 90_000);

  test('the clean twin has no violations', async () => {
    const artifacts = await withChromium((browser) => runAxe(browser, `${site.origin}/clean`, { allowlist, timeoutMs: 30_000 }));
    expect(artifacts.violations).toEqual([]);
  });

  describe('SSRF guard', () => {
    beforeEach(() => {
      otherSaw.length = 0;
    });

    test('nothing the page asks for reaches 127.0.0.2: direct, redirected, by name, frame, fetch, WebSocket, beacon', async () => {
      const resolve = async (host: string) => (host === 'internal.example' ? ['127.0.0.2'] : []);
      const artifacts = await withChromium((browser) => runAxe(browser, `${site.origin}/reaches-out`, { allowlist, timeoutMs: 30_000, resolve }));
      expect(artifacts.url).toBe(`${site.origin}/reaches-out`);
      expect(otherSaw).toEqual([]);
    });

    test('a page that redirects to 127.0.0.2 is refused, and 127.0.0.2 sees nothing', async () => {
      const audit = withChromium((browser) => runAxe(browser, `${site.origin}/redirect-to-other`, { allowlist, timeoutMs: 30_000 }));
      await expect(audit).rejects.toThrow(`refused: 127.0.0.2:${other.port}: host is in a private or reserved address range (loopback)`);
      expect(otherSaw).toEqual([]);
    });

    test('an allowlisted name is dialled at the address the guard resolved, not by Chromium', async () => {
      // Chromium cannot resolve fixture.test: the page loads only through the guard's own lookup.
      const resolve = async (host: string) => (host === 'fixture.test' ? ['127.0.0.1'] : []);
      const url = `http://fixture.test:${site.port}/clean`;
      const artifacts = await withChromium((browser) => runAxe(browser, url, { allowlist, timeoutMs: 30_000, resolve }));
      expect(artifacts).toMatchObject({ url, violations: [] });
    });

    test('URLs the proxy would never see are refused before loading', async () => {
      await expect(runAxe({ port: 1 }, 'file:///etc/passwd', { allowlist, timeoutMs: 1_000 })).rejects.toThrow('URL refused: only http and https URLs are allowed');
    });
  });
});

describe('runLighthouse', () => {
  test('a mobile run of a local page gives numeric lab metrics; the browser guard keeps it off 127.0.0.2', async () => {
    otherSaw.length = 0;
    let progress = 0;
    const artifacts = await withGuardedChromium((browser) =>
      runLighthouse(browser, `${site.origin}/slow.html`, { allowlist, timeoutMs: 90_000, onProgress: () => progress++ }),
    );

    expect(artifacts).toMatchObject({ source: 'lighthouse', url: `${site.origin}/slow.html`, lighthouseVersion: expect.stringMatching(/^13\./) });
    for (const metric of ['lcpMs', 'fcpMs', 'tbtMs', 'cls'] as const) expect(artifacts.metrics[metric]).toEqual(expect.any(Number));
    expect(artifacts.metrics.lcpMs).toBeGreaterThan(0);
    expect(artifacts.opportunities.map((o) => o.id)).toContain('render-blocking-insight');
    expect(progress).toBeGreaterThan(0);
    expect(otherSaw).toEqual([]);
  }, 120_000);

  test('an abort kills Lighthouse at once and rejects with the AbortError', async () => {
    const controller = new AbortController();
    const running = withChromium(async (browser) => {
      setTimeout(() => controller.abort(), 1_500);
      return runLighthouse(browser, `${site.origin}/slow.html`, { allowlist, signal: controller.signal, timeoutMs: 90_000 });
    });
    await expect(running).rejects.toMatchObject({ name: 'AbortError' });
    expect(lighthouseProcesses()).toEqual([]);
  });

  test('checks its URL itself: other schemes, private hosts and the instance’s own ports are refused before Lighthouse starts', async () => {
    const release = reserveOwnPort(site.port);
    try {
      await expect(runLighthouse({ port: 1 }, 'file:///etc/passwd', { allowlist, timeoutMs: 1_000 })).rejects.toThrow('URL refused: only http and https URLs are allowed');
      await expect(runLighthouse({ port: 1 }, `${other.origin}/`, { allowlist, timeoutMs: 1_000 })).rejects.toThrow('URL refused: host is in a private or reserved address range (loopback)');
      await expect(runLighthouse({ port: 1 }, `${site.origin}/slow.html`, { allowlist, timeoutMs: 1_000 })).rejects.toThrow(`URL refused: port ${site.port} on this machine is one of this instance's own services`);
    } finally {
      release();
    }
    expect(lighthouseProcesses()).toEqual([]);
  });

  test('a timeout kills Lighthouse', async () => {
    const running = withChromium((browser) => runLighthouse(browser, `${site.origin}/slow.html`, { allowlist, timeoutMs: 1_500 }));
    await expect(running).rejects.toThrow('Lighthouse did not finish within 1500 ms');
    expect(lighthouseProcesses()).toEqual([]);
  });
});

describe('withBrowser leaves no Chromium behind', () => {
  test('after success', async () => {
    let chromium: Chromium | undefined;
    const result = await withChromium(async () => {
      chromium = findChromium();
      expect(survivors(chromium).length).toBeGreaterThan(1); // browser, zygotes, utilities…
      return 42;
    });
    expect(result).toBe(42);
    expectGone(chromium);
  });

  test('after an error in use', async () => {
    let chromium: Chromium | undefined;
    const failing = withChromium(async () => {
      chromium = findChromium();
      throw new Error('boom');
    });
    await expect(failing).rejects.toThrow('boom');
    expectGone(chromium);
  });

  test('after an abort while use runs: at once, with an AbortError', async () => {
    let chromium: Chromium | undefined;
    const controller = new AbortController();
    const never = withChromium(async () => {
      chromium = findChromium();
      setTimeout(() => controller.abort(), 100);
      return new Promise<never>(() => {});
    }, controller.signal);
    await expect(never).rejects.toMatchObject({ name: 'AbortError' });
    expectGone(chromium);
  });

  test('after an abort during start-up', async () => {
    const controller = new AbortController();
    const use = jest.fn(() => new Promise<never>(() => {}));
    const starting = withChromium(use, controller.signal);
    await eventually(() => ownChromium().length > 0);
    controller.abort();
    await expect(starting).rejects.toMatchObject({ name: 'AbortError' });
    expect(use).not.toHaveBeenCalled();
    expect(ownChromium()).toEqual([]);
  });

  test('a wrong path fails at once', async () => {
    await expect(withBrowser({ chromePath: '/nonexistent/chromium' }, jest.fn())).rejects.toMatchObject({ code: 'ENOENT' });
  });

  test('an aborted signal launches nothing', async () => {
    const use = jest.fn();
    await expect(withChromium(use, AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });
    expect(use).not.toHaveBeenCalled();
  });
});

type Chromium = { pid: number; userDataDir: string };

function processes(): { pid: number; ppid: number; pgid: number; stat: string; args: string }[] {
  return execFileSync('ps', ['-eo', 'pid=,ppid=,pgid=,stat=,args='], { encoding: 'utf8' })
    .split('\n')
    .flatMap((line) => {
      const match = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line);
      return match ? [{ pid: Number(match[1]), ppid: Number(match[2]), pgid: Number(match[3]), stat: match[4] ?? '', args: match[5] ?? '' }] : [];
    });
}

/** The Chromium this test process started (one at a time), by its profile directory. */
function findChromium(): Chromium {
  const browser = processes().find((p) => p.ppid === process.pid && p.args.includes('--remote-debugging-port='));
  const userDataDir = /--user-data-dir=(\S+)/.exec(browser?.args ?? '')?.[1];
  if (!browser || !userDataDir) throw new Error('no Chromium started by this process');
  return { pid: browser.pid, userDataDir };
}

/** Live (not zombie) processes of that Chromium: its process group, or anything using its profile. */
function survivors({ pid, userDataDir }: Chromium): string[] {
  return processes()
    .filter((p) => (p.pgid === pid || p.args.includes(userDataDir)) && !p.stat.startsWith('Z'))
    .map((p) => `${p.pid} ${p.args.slice(0, 80)}`);
}

function expectGone(chromium: Chromium | undefined): void {
  expect(chromium).toBeDefined();
  expect(survivors(chromium!)).toEqual([]);
  expect(existsSync(chromium!.userDataDir)).toBe(false);
}

/** Live Chromium browser processes this test process started. */
function ownChromium(): number[] {
  return processes()
    .filter((p) => p.ppid === process.pid && p.args.includes('--remote-debugging-port=') && !p.stat.startsWith('Z'))
    .map((p) => p.pid);
}

async function eventually(done: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 10_000; !done(); ) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function lighthouseProcesses(): string[] {
  return processes()
    .filter((p) => p.args.includes('lighthouse/cli/index.js') && p.args.includes(site.origin) && !p.stat.startsWith('Z'))
    .map((p) => `${p.pid} ${p.args.slice(0, 80)}`);
}
