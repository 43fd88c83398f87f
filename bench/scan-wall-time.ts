/**
 * Scan wall time and the orchestration tax: how much longer a scan takes than its slowest scanner
 * run alone. A real worker process (src/worker.ts) on a Temporal dev server (child processes),
 * PostgreSQL database sitewarden_bench_scan, the defects fixture page served here on 127.0.0.1.
 * Scans start as the API starts them (scan_runs row through Prisma, then startScanWorkflow).
 *
 *   source scripts/lib.sh && ensure_node && ensure_temporal
 *   node_modules/.bin/tsx bench/scan-wall-time.ts
 *   BENCH_WORKER=dist node_modules/.bin/tsx bench/scan-wall-time.ts   # the worker from dist/ (npm run build)
 *
 * Per round, sequentially: (a) all four scanners, performance alone, (b) security + seo +
 * accessibility, accessibility alone; ROUNDS rounds (interleaved, so drift hits every kind alike)
 * after one warm-up scan of all four. Where the time goes comes from each scan's workflow history.
 * Results go to stdout, progress to stderr. Linux only (/proc). About 5–6 minutes on 2 cores.
 * ROUNDS=n changes the count; BROWSER_CONCURRENCY, BROWSER_AXE_CONCURRENCY (0: axe waits for
 * Lighthouse's slot, as before; default 1: beside it) and the rest of the environment reach the worker.
 * The Lighthouse lab figures (TBT, LCP) of full scans and of performance alone show what axe beside
 * it does to them.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parseStoredLab } from '../src/domain/lab-summary.ts';
import type { ScannerName } from '../src/domain/scanners.ts';
import {
  activity,
  machineLoad,
  median,
  ms,
  runScan,
  SCANNER_ACTIVITY,
  scanTimeline,
  startScanStack,
  type ScanResult,
  type ScanStack,
  type Timeline,
} from './scan-support.ts';
import { fixed, log, mean, printTable, ROOT, runBench } from './support.ts';

const ROUNDS = Number(process.env.ROUNDS ?? 10);
/**
 * BENCH_PAGE=long-tasks scans test/fixtures/pagespeed/slow.html (two 250 ms long tasks, late
 * render-blocking CSS; as bench/lighthouse-runs.ts) in place of the defects page: its TBT is CPU-bound,
 * so it shows what axe running beside Lighthouse does to it.
 */
const BENCH_PAGE = process.env.BENCH_PAGE ?? 'defects';
const APP_JS = Array.from({ length: 2000 }, (_, i) => `function f${i}(a){return a*${i}%${i + 1};}`).join('\n');

async function serveLongTasksPage(): Promise<string> {
  const page = readFileSync(path.join(ROOT, 'test/fixtures/pagespeed/slow.html'), 'utf8');
  const server = createServer((req, res) => {
    const route = new URL(req.url ?? '/', 'http://x').pathname;
    if (route === '/') return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    if (route === '/slow.css') return setTimeout(() => res.writeHead(200, { 'content-type': 'text/css' }).end('body{font-family:sans-serif}'), 300);
    if (route === '/app.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(APP_JS);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}
const GOAL = 1.1; // issue 12, "Orchestration cost"

interface Kind {
  label: string;
  scanners: ScannerName[];
  /** The scanner whose activity is timed on its own (the slowest of the scan it stands next to). */
  timed: ScannerName;
}

const FULL: Kind = { label: '(a) all four', scanners: ['performance', 'security', 'seo', 'accessibility'], timed: 'performance' };
const PERF_ALONE: Kind = { label: '(a) performance alone', scanners: ['performance'], timed: 'performance' };
const LIGHT: Kind = { label: '(b) security+seo+a11y', scanners: ['security', 'seo', 'accessibility'], timed: 'accessibility' };
const A11Y_ALONE: Kind = { label: '(b) accessibility alone', scanners: ['accessibility'], timed: 'accessibility' };
const KINDS = [FULL, PERF_ALONE, LIGHT, A11Y_ALONE];
const PAIRS: [scan: Kind, alone: Kind][] = [
  [FULL, PERF_ALONE],
  [LIGHT, A11Y_ALONE],
];

interface Sample {
  result: ScanResult;
  timeline: Timeline;
  /** The kept Lighthouse run's lab figures (summary.performance_lab), when the scan ran performance. */
  lab?: { tbt: number | null; lcp: number | null };
}

/** Lighthouse's TBT and LCP as the scan stored them: with axe beside it (a full scan) or without. */
async function labOf(stack: ScanStack, id: string): Promise<Sample['lab']> {
  const row = await stack.db.prisma.scanRun.findUniqueOrThrow({ where: { id }, select: { summary: true } });
  const lab = parseStoredLab((row.summary as Record<string, unknown> | null)?.performance_lab);
  return lab ? { tbt: lab.metrics.tbt_ms?.kept ?? null, lcp: lab.metrics.lcp_ms?.kept ?? null } : undefined;
}

/**
 * The critical path of one scan, from its workflow history (ms); the phases add up to row start →
 * workflow closed. Since patch scan-fewer-round-trips the run opens with the openScanRun local
 * activity (the plan and the running slots) and closes with closeScanRun (scores, AI plan, close),
 * both recorded as markers of a workflow task, not as activities.
 */
const PHASES = [
  ['kickoff: row written → workflow started', 'kickoff'],
  ['open: openScanRun (local activity, first workflow task) → capture scheduled', 'open'],
  ['capturePage (scheduled → completed)', 'capture'],
  ['capture done → last scanner scheduled', 'dispatch'],
  ['last scanner: queued (scheduled → started)', 'queued'],
  ['last scanner: running (started → completed)', 'running'],
  ['close: "done" slot + closeScanRun (local activities) → workflow completed', 'close'],
] as const;
type Phase = (typeof PHASES)[number][1];

function phases({ result, timeline: t }: Sample, kind: Kind): Record<Phase, number> & { last: string } {
  const capture = activity(t, 'capturePage');
  const last = kind.scanners.map((s) => activity(t, SCANNER_ACTIVITY[s])).sort((a, b) => b.closed - a.closed)[0]!;
  return {
    last: last.name,
    kickoff: t.workflowStarted - result.startedAt.getTime(),
    open: capture.scheduled - t.workflowStarted,
    capture: capture.closed - capture.scheduled,
    dispatch: last.scheduled - capture.closed,
    queued: last.started - last.scheduled,
    running: last.closed - last.started,
    close: t.workflowClosed - last.closed,
  };
}

/** The timed scanner's activity: scheduled → completed (what the brief calls "the activity alone"). */
const timedActivity = ({ timeline }: Sample, kind: Kind) => {
  const span = activity(timeline, SCANNER_ACTIVITY[kind.timed]);
  return span.closed - span.scheduled;
};

async function main(): Promise<void> {
  const loadBefore = await machineLoad(); // other people's work skews every figure: say how busy the machine was
  const stack: ScanStack = await startScanStack();
  const url = BENCH_PAGE === 'long-tasks' ? await serveLongTasksPage() : stack.site.defectsUrl;

  log('warm-up: one scan with all four scanners (not counted)');
  const warmup = await runScan(stack, url, FULL.scanners);

  const samples = new Map<Kind, Sample[]>(KINDS.map((k) => [k, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const kind of KINDS) {
      const result = await runScan(stack, url, kind.scanners);
      const lab = kind.scanners.includes('performance') ? await labOf(stack, result.id) : undefined;
      samples.get(kind)!.push({ result, timeline: await scanTimeline(stack.client, result.id), ...(lab ? { lab } : {}) });
    }
    const last = KINDS.map((k) => `${k.label.split(' ')[0]}${k.scanners.length === 1 ? ' alone' : ''} ${(samples.get(k)!.at(-1)!.result.dbWallMs / 1000).toFixed(1)} s`);
    log(`round ${round}/${ROUNDS}: ${last.join(', ')}`);
  }

  const loadAfter = await machineLoad(); // the bench worker idle again
  const of = (kind: Kind) => samples.get(kind)!;
  const wall = (kind: Kind) => median(of(kind).map((s) => s.result.dbWallMs));
  const client = (kind: Kind) => median(of(kind).map((s) => s.result.clientMs));
  const alone = (kind: Kind) => median(of(kind).map((s) => timedActivity(s, kind)));

  console.log(
    `\nscan-wall-time: ${BENCH_PAGE === 'long-tasks' ? 'long-tasks page (slow.html)' : 'defects fixture page'}, ${ROUNDS} sequential scans per kind (interleaved), node ${process.version}, ` +
      `BROWSER_CONCURRENCY=${process.env.BROWSER_CONCURRENCY ?? '1 (default)'}, ` +
      `BROWSER_AXE_CONCURRENCY=${process.env.BROWSER_AXE_CONCURRENCY ?? '1 (default)'}, worker LOG_LEVEL=warn; warm-up scan (all four): ${ms(warmup.dbWallMs)} ms`,
  );
  console.log(`machine before the bench: ${loadBefore}; at the end (bench worker idle): ${loadAfter}`);
  printTable(
    'Scan wall time, ms: row = scan_runs.finished_at − started_at; client = row insert → workflow result here; ' +
      'activity = the timed scanner, ActivityTaskScheduled → Completed',
    ['scan', 'row p50', 'row min', 'row max', 'client p50', 'timed scanner', 'activity p50', 'findings'],
    KINDS.map((kind) => {
      const rows = of(kind).map((s) => s.result.dbWallMs);
      return [
        kind.label,
        ms(wall(kind)),
        ms(Math.min(...rows)),
        ms(Math.max(...rows)),
        ms(client(kind)),
        kind.timed,
        ms(alone(kind)),
        String(of(kind)[0]!.result.outcome.findings),
      ];
    }),
  );

  printTable(
    `Orchestration tax = wall p50 ÷ slowest scanner alone p50 (goal ≤ ${GOAL})`,
    ['scan', 'wall (row)', 'alone: scan (row)', 'alone: activity', 'tax vs scan alone', 'tax vs activity', 'client ÷ client alone'],
    PAIRS.map(([scan, single]) => {
      const taxScan = wall(scan) / wall(single);
      const taxActivity = wall(scan) / alone(single);
      const flag = (tax: number) => `${tax.toFixed(2)}${tax > GOAL ? ' ✗' : ' ✓'}`;
      return [scan.label, ms(wall(scan)), ms(wall(single)), ms(alone(single)), flag(taxScan), flag(taxActivity), fixed(2)(client(scan) / client(single))];
    }),
  );

  const breakdown = new Map(KINDS.map((kind) => [kind, of(kind).map((s) => phases(s, kind))]));
  printTable(
    'Where the time goes: the critical path from each workflow history, mean ms (p50 in brackets); ' +
      'the phases add up to row written → workflow completed',
    ['phase', ...KINDS.map((k) => k.label)],
    [
      ...PHASES.map(([label, key]) => [
        label,
        ...KINDS.map((kind) => {
          const values = breakdown.get(kind)!.map((p) => p[key]);
          return `${ms(mean(values))} (${ms(median(values))})`;
        }),
      ]),
      ['total: row written → workflow completed', ...KINDS.map((kind) => ms(mean(breakdown.get(kind)!.map((p) => PHASES.reduce((sum, [, key]) => sum + p[key], 0)))))],
      ['the last scanner to finish (most often)', ...KINDS.map((kind) => mostOften(breakdown.get(kind)!.map((p) => p.last)))],
      ['local-activity markers / workflow tasks per scan', ...KINDS.map((kind) => `${mean(of(kind).map((s) => s.timeline.markers))} / ${mean(of(kind).map((s) => s.timeline.workflowTasks))}`)],
    ],
  );

  const bookkeeping: Phase[] = ['kickoff', 'open', 'capture', 'dispatch', 'close'];
  printTable(
    'The extra time of a scan over its slowest scanner alone, mean ms: wall (row written → workflow completed) − ' +
      'that scanner\'s activity alone (scheduled → completed) = bookkeeping phases + (critical-path scanner time − activity alone)',
    ['scan', 'wall', 'activity alone', 'extra', 'bookkeeping', 'of it: capture', 'kickoff, open, dispatch', 'close (scores, finalize)', 'scanners − alone'],
    PAIRS.map(([scan, single]) => {
      const p = breakdown.get(scan)!;
      const sum = (keys: Phase[]) => mean(p.map((x) => keys.reduce((total, key) => total + x[key], 0)));
      const total = sum(PHASES.map(([, key]) => key));
      const aloneMean = mean(of(single).map((s) => timedActivity(s, single)));
      return [
        scan.label,
        ms(total),
        ms(aloneMean),
        ms(total - aloneMean),
        ms(sum(bookkeeping)),
        ms(sum(['capture'])),
        ms(sum(['kickoff', 'open', 'dispatch'])),
        ms(sum(['close'])),
        ms(sum(['queued', 'running']) - aloneMean),
      ];
    }),
  );

  // axe beside Lighthouse (BROWSER_AXE_CONCURRENCY ≥ 1) shares the CPU with it during a full scan:
  // what that does to the lab figures the findings judge, against Lighthouse alone.
  const spread = (values: (number | null | undefined)[]) => {
    const v = values.filter((x): x is number => typeof x === 'number');
    return v.length === 0 ? '—' : `${ms(median(v))} (${ms(Math.min(...v))}–${ms(Math.max(...v))})`;
  };
  printTable(
    "Lighthouse's lab figures, kept run, ms: p50 (min–max) over the rounds; a full scan runs axe beside it when BROWSER_AXE_CONCURRENCY ≥ 1",
    ['scan', 'TBT', 'LCP', 'performance run (started → completed) p50'],
    [FULL, PERF_ALONE].map((kind) => [
      kind.label,
      spread(of(kind).map((s) => s.lab?.tbt)),
      spread(of(kind).map((s) => s.lab?.lcp)),
      ms(median(of(kind).map((s) => { const a = activity(s.timeline, SCANNER_ACTIVITY.performance); return a.closed - a.started; }))),
    ]),
  );

  printTable(
    'Each scanner activity inside the scans, p50 ms: queued = scheduled → started, run = started → completed',
    ['scan', ...(['performance', 'accessibility', 'security', 'seo'] as const).map((s) => `${s} queued / run`)],
    KINDS.map((kind) => [
      kind.label,
      ...(['performance', 'accessibility', 'security', 'seo'] as const).map((scanner) => {
        if (!kind.scanners.includes(scanner)) return '—';
        const spans = of(kind).map((s) => activity(s.timeline, SCANNER_ACTIVITY[scanner]));
        return `${ms(median(spans.map((a) => a.started - a.scheduled)))} / ${ms(median(spans.map((a) => a.closed - a.started)))}`;
      }),
    ]),
  );
}

function mostOften(values: string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  const [name, count] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
  return `${name} (${count}/${values.length})`;
}

runBench('scan', main, 15 * 60_000);
