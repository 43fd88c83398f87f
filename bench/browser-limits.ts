/**
 * The browser memory ceiling as enforced: for a page that allocates without end, the highest
 * memory sample of its Chromium before the kill and the time to the kill, at several limits; and
 * the peak of ordinary audits (axe on the defects page, Lighthouse on the hostile site's plain
 * page) under the default limit, which the default must leave room for. Real Chromium (CHROME_PATH,
 * else /usr/bin/chromium), pages served here on 127.0.0.1, no Temporal or database.
 *
 *   node_modules/.bin/tsx bench/browser-limits.ts
 *
 * The enforcement mode (cgroup v2 or the /proc watchdog) is printed with each row; on a host
 * without a usable cgroup v2 the figures are the watchdog's (200 ms sampling). About 2 minutes.
 */
import { runAxe } from '../src/gather/axe.ts';
import { BrowserLimitExceeded, DEFAULT_BROWSER_LIMITS } from '../src/gather/browser-limits.ts';
import { withBrowser } from '../src/gather/browser.ts';
import { runLighthouse } from '../src/gather/lighthouse.ts';
import { parseHostAllowlist } from '../src/gather/ssrf/host-allowlist.ts';
import { startFixtureSite } from '../test/support/fixture-site.ts';
import { startHostileSite } from '../test/support/hostile-site.ts';
import { log, printTable, runBench } from './support.ts';

const chromePath = process.env.CHROME_PATH ?? '/usr/bin/chromium';
const allowlist = parseHostAllowlist('127.0.0.1');
const MiB = 1024 * 1024;

runBench(
  'browser-limits',
  async () => {
    const [hostile, fixtures] = await Promise.all([startHostileSite(), startFixtureSite()]);
    try {
      const rows: string[][] = [];
      for (const limitMiB of [256, 512, 1024]) {
        log(`memory page under ${limitMiB} MiB`);
        let peak = 0;
        let mode = '';
        const started = performance.now();
        const outcome = await withBrowser(
          {
            chromePath,
            guard: { allowlist },
            limits: { ...DEFAULT_BROWSER_LIMITS, memoryBytes: limitMiB * MiB },
            onPeakMemory: (bytes, how) => ((peak = bytes), (mode = how)),
          },
          (browser) => runAxe(browser, hostile.url('/memory'), { allowlist, timeoutMs: 120_000 }),
        ).then(
          () => 'completed (no limit hit)',
          (error: unknown) => (error instanceof BrowserLimitExceeded ? 'killed: memory limit' : `failed: ${(error as Error).message.slice(0, 60)}`),
        );
        rows.push([`memory page`, String(limitMiB), (peak / MiB).toFixed(0), `${(((peak / MiB) / limitMiB) * 100 - 100).toFixed(1)} %`, ((performance.now() - started) / 1000).toFixed(1), mode, outcome]);
      }
      const defaults = { ...DEFAULT_BROWSER_LIMITS };
      for (const [name, run] of [
        ['axe, defects page', (port: number) => runAxe({ port }, fixtures.defectsUrl, { allowlist, timeoutMs: 60_000 })],
        ['Lighthouse, plain page', (port: number) => runLighthouse({ port }, hostile.url('/x-robots-spaces'), { allowlist, timeoutMs: 120_000 })],
      ] as const) {
        log(name);
        let peak = 0;
        let mode = '';
        const started = performance.now();
        const outcome = await withBrowser({ chromePath, guard: { allowlist }, limits: defaults, onPeakMemory: (bytes, how) => ((peak = bytes), (mode = how)) }, ({ port }) => run(port) as Promise<unknown>).then(
          () => 'completed',
          (error: unknown) => `failed: ${(error as Error).message.slice(0, 60)}`,
        );
        rows.push([name, String(defaults.memoryBytes / MiB), (peak / MiB).toFixed(0), '', ((performance.now() - started) / 1000).toFixed(1), mode, outcome]);
      }
      printTable('Browser memory: highest sample of the whole browser (PSS summed, or cgroup memory.peak)', ['page', 'limit MiB', 'peak MiB', 'over limit', 'seconds', 'mode', 'outcome'], rows);
    } finally {
      await Promise.all([hostile.close(), fixtures.close()]);
    }
  },
  10 * 60_000,
);
