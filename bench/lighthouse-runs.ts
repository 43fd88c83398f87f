/**
 * Stable lab figures (docs/scanning.md): for lighthouse_runs N = 1, 3 and 5, the spread of LCP and
 * TBT over repeated scans of one local fixture page, of the kept (median) run's values, against
 * the spread within a scan (a single run's variability), and the wall time per scan. The page is
 * test/fixtures/pagespeed/slow.html (render-blocking CSS served late, two 250 ms long tasks, a
 * late banner), served here on 127.0.0.1; each scan is what the performance scanner gathers
 * (gatherPerformance: N fresh Chromiums in sequence, Lighthouse's median run kept), without
 * Temporal or a database.
 *
 *   node_modules/.bin/tsx bench/lighthouse-runs.ts            # 3 scans per N
 *   BENCH_SCANS=5 node_modules/.bin/tsx bench/lighthouse-runs.ts
 *
 * A scan is N Lighthouse runs, so 3 scans per N are 27 runs: about 10 minutes on an idle
 * 2-core machine. The load average is printed: on a shared machine, TBT (CPU-bound) moves with it.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import path from 'node:path';
import type { PerformanceArtifacts } from '../src/checks/artifacts.ts';
import { gatherPerformance } from '../src/gather/browser-audits.ts';
import { loadConfig } from '../src/platform/config.ts';
import { log, printTable, ROOT, runBench } from './support.ts';

const SCANS = Number(process.env.BENCH_SCANS ?? 3);
const RUN_COUNTS = [1, 3, 5];
const PAGE = readFileSync(path.join(ROOT, 'test/fixtures/pagespeed/slow.html'), 'utf8');
const APP_JS = Array.from({ length: 2000 }, (_, i) => `function f${i}(a){return a*${i}%${i + 1};}`).join('\n');

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const stdev = (xs: number[]) => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((sum, x) => sum + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));
const range = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
const ms = (n: number) => n.toFixed(0);
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

runBench(
  'lighthouse-runs',
  async () => {
    const server = createServer((req, res) => {
      const route = new URL(req.url ?? '/', 'http://x').pathname;
      if (route === '/') return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
      // Late, render-blocking CSS: FCP and LCP wait for it.
      if (route === '/slow.css') return setTimeout(() => res.writeHead(200, { 'content-type': 'text/css' }).end('body{font-family:sans-serif}'), 300);
      if (route === '/app.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(APP_JS);
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const config = loadConfig({ ...process.env, SITEWARDEN_ALLOW_PRIVATE_HOSTS: '127.0.0.1' });
    log(`load average before: ${load()} (${SCANS} scans per N)`);
    try {
      const rows: string[][] = [];
      const loads: string[] = [];
      for (const runs of RUN_COUNTS) {
        const kept: PerformanceArtifacts[] = [];
        const walls: number[] = [];
        for (let scan = 0; scan < SCANS; scan++) {
          const started = performance.now();
          kept.push(await gatherPerformance(config, url, new AbortController().signal, runs));
          walls.push((performance.now() - started) / 1000);
          log(`N=${runs} scan ${scan + 1}/${SCANS}: ${walls.at(-1)!.toFixed(1)} s, LCP ${ms(kept.at(-1)!.metrics.lcpMs ?? NaN)} ms, TBT ${ms(kept.at(-1)!.metrics.tbtMs ?? NaN)} ms; load ${load()}`);
        }
        loads.push(`N=${runs}: ${load()}`);
        const lcp = kept.map((k) => k.metrics.lcpMs ?? NaN);
        const tbt = kept.map((k) => k.metrics.tbtMs ?? NaN);
        // Within a scan: how far its N runs were apart (a single run's variability); 0 for N=1.
        const withinLcp = kept.map((k) => (k.lab?.spread.lcpMs ? k.lab.spread.lcpMs.max - k.lab.spread.lcpMs.min : 0));
        const withinTbt = kept.map((k) => (k.lab?.spread.tbtMs ? k.lab.spread.tbtMs.max - k.lab.spread.tbtMs.min : 0));
        rows.push([
          String(runs),
          String(SCANS),
          `${ms(mean(lcp))} ± ${ms(stdev(lcp))}`,
          ms(range(lcp)),
          runs > 1 ? ms(mean(withinLcp)) : '-',
          `${ms(mean(tbt))} ± ${ms(stdev(tbt))}`,
          ms(range(tbt)),
          runs > 1 ? ms(mean(withinTbt)) : '-',
          mean(walls).toFixed(1),
          (mean(walls) / runs).toFixed(1),
        ]);
      }
      printTable(
        `Lighthouse runs per scan on a local fixture page (${SCANS} scans per N; kept = the median run's value)`,
        ['N', 'scans', 'LCP kept mean ± sd (ms)', 'LCP kept range', 'LCP within-scan range', 'TBT kept mean ± sd (ms)', 'TBT kept range', 'TBT within-scan range', 'wall s/scan', 's/run'],
        rows,
      );
      console.log(`\nload average (1/5/15 min) after each N: ${loads.join('; ')}`);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  },
  60 * 60_000,
);
