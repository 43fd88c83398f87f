/**
 * Light-scan throughput through Temporal versus the same work in a bare loop, the worker's memory
 * under that load, and Chromium clean-up after concurrent full scans.
 *
 *   source scripts/lib.sh && ensure_node && ensure_temporal
 *   node_modules/.bin/tsx bench/scan-throughput.ts
 *   BENCH_WORKER=dist node_modules/.bin/tsx bench/scan-throughput.ts   # the worker from dist/ (npm run build)
 *   BENCH_WORKER=dist BENCH_WORKER_PROF=/tmp/prof …   # and a V8 CPU profile of the worker per thread, in /tmp/prof
 *
 * 1. Temporal: light scans (security + seo, no browser) of the defects fixture page, started as
 *    the API starts them (scan_runs row through Prisma, then startScanWorkflow) and run by a real
 *    worker process; CONCURRENCY kept in flight until WINDOW_MS has passed or N scans were started.
 *    The worker's VmRSS is sampled every second.
 * 2. Bare loop, in this process, with the same bounds and a promise pool of the same size:
 *    scan_runs row, safe fetch of the page, robots.txt + sitemap probes, runChecks(securityChecks /
 *    seoChecks), recordDetections for both domains, scoreScanFindings and finalizeScanRun (the
 *    functions the activities call). Left out is exactly the orchestration: Temporal round trips
 *    and the slot bookkeeping (since patch scan-one-http-activity a light scan is one activity,
 *    runHttpScanners, with the page kept in memory: no page snapshot row any more; since
 *    scan-light-local a local one, the whole scan one workflow task). bench/scan-queries.ts counts
 *    the database round trips of both.
 *    Both run twice: each lane scanning a project of its own (the headline figures), then every
 *    lane in one project, so that concurrent scans upsert and score the very same finding rows.
 * 3. FULL_SCANS concurrent scans with all four scanners (Lighthouse and axe): Chromium processes
 *    (`pgrep -f chromium`) before and after, and the worker's VmRSS peak.
 *
 * CPU per scan is printed process by process (worker, Temporal, this process, the database's
 * backends), and the history events and workflow tasks per Temporal light scan.
 *
 * Results go to stdout, progress to stderr. Linux only (/proc). About 3–4 minutes on 2 cores.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SCANNERS, type ScannerName } from '../src/domain/scanners.ts';
import { scanWorkflowId } from '../src/services/scan-kickoff.ts';
import {
  bareLightScan,
  chromiumTracker,
  cpuSeconds,
  cpuShares,
  leftoverProfiles,
  machineLoad,
  median,
  ms,
  promisePool,
  runScan,
  sampleCpu,
  sampleEvery,
  sampleMemory,
  startScanStack,
  type MemoryStats,
  type ScanStack,
  type Tenant,
} from './scan-support.ts';
import { fixed, log, memoryMiB, percentile, printTable, runBench, TICKS_PER_SECOND, type Memory } from './support.ts';

const CONCURRENCY = 20;
const WINDOW_MS = 60_000;
const N = 200;
/** FULL_SCANS=0 leaves out part 3 (the light scans' figures alone, in a few minutes less). */
const FULL_SCANS = Number(process.env.FULL_SCANS ?? 5);
const LIGHT: ScannerName[] = ['security', 'seo'];
const RSS_GOAL_MIB = 300;

/** One scan's result as a load run counts it: the findings its summary counted, and its id. */
interface Scanned {
  id: string;
  findings: number;
}

interface LoadRun {
  label: string;
  ids: string[];
  completed: number;
  failures: string[];
  /** Completed scans whose summary counted fewer findings than the page has. */
  undercounted: number;
  elapsedMs: number;
  latencies: number[];
  /** % of the machine: worker, temporal, bench, the bench database's PostgreSQL backends, everything else, idle. */
  cpu: number[];
  /** CPU ms per completed scan of the process doing the scanning (worker or bench). */
  cpuPerScanMs: number;
  /** CPU ms per completed scan of every process the bench runs: worker, Temporal, this one, the database's backends. */
  benchCpuPerScanMs: number;
  /** The same, process by process: worker, Temporal, this one, the database's backends. */
  cpuPerScanByProcess: number[];
  memory: MemoryStats;
}

/**
 * Keeps CONCURRENCY `scan(lane)`s in flight until WINDOW_MS has passed or N were started, then
 * waits for the last; `scanner` is the pid whose CPU and RSS belong to the scanning.
 */
async function loadRun(stack: ScanStack, label: string, scanner: number, expected: number, scan: (lane: number) => Promise<Scanned>): Promise<LoadRun> {
  const pids = [stack.workerPid, stack.temporalPid, process.pid];
  const run = { label, ids: [] as string[], failures: [] as string[], undercounted: 0, latencies: [] as number[] };
  let started = 0;
  const t0 = performance.now();
  const more = () => (started < N && performance.now() - t0 < WINDOW_MS ? (started++, true) : false);
  const cpuBefore = sampleCpu(pids);
  const memory = sampleMemory(scanner);
  await promisePool(CONCURRENCY, more, async (lane) => {
    const t = performance.now();
    try {
      const { id, findings } = await scan(lane);
      run.latencies.push(performance.now() - t);
      run.ids.push(id);
      if (findings < expected) run.undercounted++;
    } catch (err) {
      run.failures.push(((err as { code?: string }).code ?? (err as Error).message).slice(0, 80));
    }
  });
  const elapsedMs = performance.now() - t0;
  const cpuAfter = sampleCpu(pids);
  const completed = run.latencies.length;
  const cpuPerScanMs = (1000 * cpuSeconds(cpuBefore, cpuAfter, pids.indexOf(scanner))) / completed;
  const cpu = cpuShares(cpuBefore, cpuAfter);
  const machineMs = (1000 * (cpuAfter.total - cpuBefore.total)) / TICKS_PER_SECOND;
  const cpuPerScanByProcess = cpu.slice(0, 4).map((share) => (machineMs * share) / 100 / completed); // worker, temporal, bench, postgres
  const benchCpuPerScanMs = cpuPerScanByProcess.reduce((a, b) => a + b, 0);
  return { ...run, completed, elapsedMs, cpu, cpuPerScanMs, benchCpuPerScanMs, cpuPerScanByProcess, memory: memory.stop() };
}

/** Activities that needed more than one attempt, by name, over the scans' workflow histories. */
async function retriedActivities(stack: ScanStack, ids: string[]): Promise<{ scans: number; byActivity: string; eventsPerScan: number; workflowTasksPerScan: number }> {
  const counts = new Map<string, number>();
  let scans = 0;
  let events = 0;
  let workflowTasks = 0;
  for (const id of ids) {
    const history = await stack.client.workflow.getHandle(scanWorkflowId(id)).fetchHistory();
    events += history.events?.length ?? 0;
    workflowTasks += (history.events ?? []).filter((e) => e.workflowTaskCompletedEventAttributes).length;
    const names = new Map<string, string>();
    let retried = false;
    for (const event of history.events ?? []) {
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled) names.set(String(event.eventId), scheduled.activityType?.name ?? '?');
      const started = event.activityTaskStartedEventAttributes;
      if (started && (started.attempt ?? 1) > 1) {
        const name = names.get(String(started.scheduledEventId)) ?? '?';
        counts.set(name, (counts.get(name) ?? 0) + 1);
        retried = true;
      }
    }
    if (retried) scans++;
  }
  return {
    scans,
    byActivity: [...counts].map(([name, n]) => `${name} ${n}`).join(', ') || '—',
    eventsPerScan: events / ids.length,
    workflowTasksPerScan: workflowTasks / ids.length,
  };
}

type Census = ReturnType<ReturnType<typeof chromiumTracker>['census']>;
const describe = (c: Census) => `${c.all} (zombies ${c.zombies}); the bench worker's: ${c.oursLive} live, ${c.oursZombie} zombie`;

const lanes = (stack: ScanStack, prefix: string) => Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => stack.newProject(`${prefix}-${i}`)));

async function main(): Promise<void> {
  const loadBefore = await machineLoad(); // other people's work skews every figure: say how busy the machine was
  const stack = await startScanStack();
  const url = stack.site.defectsUrl;
  const idle = memoryMiB(stack.workerPid);
  const temporalScan = (tenant: Tenant) => async (): Promise<Scanned> => {
    const result = await runScan(stack, url, LIGHT, tenant);
    return { id: result.id, findings: result.outcome.findings };
  };

  const expected = (await runScan(stack, url, LIGHT)).outcome.findings;
  log(`one light scan alone: ${expected} findings; warm-up: ${CONCURRENCY} light scans at once (not counted)`);
  const warm = await lanes(stack, 'warm');
  await Promise.all(warm.map((tenant) => temporalScan(tenant)()));

  const runs: LoadRun[] = [];
  const bare = bareLightScan(stack.db.prisma, stack.site.defectsUrl);
  for (const shared of [false, true]) {
    const where = shared ? 'one project' : 'project per lane';
    const project = shared ? await stack.newProject('shared-temporal') : undefined;
    const temporalLanes = shared ? [] : await lanes(stack, 'temporal');
    log(`Temporal, ${where}: light scans, ${CONCURRENCY} in flight, for ${WINDOW_MS / 1000} s or ${N} scans`);
    runs.push(await loadRun(stack, `Temporal, ${where}`, stack.workerPid, expected, (lane) => temporalScan(project ?? temporalLanes[lane]!)()));

    const bareProject = shared ? await stack.newProject('shared-bare') : undefined;
    const bareLanes = shared ? [] : await lanes(stack, 'bare');
    log(`bare loop in this process, ${where}: the same work, ${CONCURRENCY} at a time`);
    runs.push(await loadRun(stack, `bare loop, ${where}`, process.pid, expected, (lane) => bare.scan(bareProject ?? bareLanes[lane]!)));
  }
  await bare.close();
  log('reading the Temporal runs\' histories for retried activities');
  const retries = new Map<LoadRun, Awaited<ReturnType<typeof retriedActivities>>>();
  for (const run of runs.filter((r) => r.label.startsWith('Temporal'))) retries.set(run, await retriedActivities(stack, run.ids));

  log(`${FULL_SCANS} concurrent full scans (Lighthouse + axe)`);
  await sleep(2_000);
  const chromium = chromiumTracker(stack);
  const before = chromium.census();
  const workerMemory = sampleMemory(stack.workerPid);
  const liveChromium = sampleEvery(250, () => chromium.sample());
  const t0 = performance.now();
  const full = await Promise.all(Array.from({ length: FULL_SCANS }, () => runScan(stack, url, SCANNERS)));
  const fullElapsed = performance.now() - t0;
  const fullMemory = workerMemory.stop();
  const chromiumPeak = liveChromium.stop();
  const afterNow = chromium.census();
  await sleep(5_000);
  const afterLater = chromium.census();

  const loadAfter = await machineLoad(); // the bench worker idle again
  // ---- printing ----
  const rate = (run: LoadRun) => (run.completed * 60_000) / run.elapsedMs;
  const [temporal, inProcess, temporalShared, inProcessShared] = runs as [LoadRun, LoadRun, LoadRun, LoadRun];
  console.log(
    `\nscan-throughput: defects fixture page, node ${process.version}, worker DATABASE_POOL_SIZE=10 (the bare loop's pool too), ` +
      `BROWSER_CONCURRENCY=${process.env.BROWSER_CONCURRENCY ?? '1 (default)'}, LOG_LEVEL=warn; a light scan finds ${expected} findings`,
  );
  console.log(`machine before the bench: ${loadBefore}; at the end (bench worker idle): ${loadAfter}`);
  printTable(
    `Light scans (security + seo), ${CONCURRENCY} in flight, until ${WINDOW_MS / 1000} s or ${N} scans; ` +
      'rate = completed ÷ (start → last completion); latency = one scan start → done, ms;\n' +
      'CPU ms/scan: of the process doing the scanning (worker or this one), and of all ours (worker, Temporal, this process, PostgreSQL backends); ' +
      'undercounted = the summary counted fewer than the page\'s findings',
    ['run', 'completed', 'failed', 'elapsed s', 'scans/min', 'p50', 'p95', 'max', 'CPU ms/scan: scanner', 'all ours', 'undercounted', 'scans with retried activities'],
    runs.map((run) => [
      run.label,
      String(run.completed),
      run.failures.length ? `${run.failures.length} (${[...new Set(run.failures)].join(', ')})` : '0',
      fixed(1)(run.elapsedMs / 1000),
      fixed(0)(rate(run)),
      ms(median(run.latencies)),
      ms(percentile(run.latencies, 0.95)),
      ms(Math.max(...run.latencies)),
      ms(run.cpuPerScanMs),
      ms(run.benchCpuPerScanMs),
      String(run.undercounted),
      retries.has(run) ? `${retries.get(run)!.scans} (${retries.get(run)!.byActivity})` : 'n/a',
    ]),
  );
  console.log(
    `ratio Temporal ÷ bare loop (scans/min): project per lane ${fixed(2)(rate(temporal) / rate(inProcess))}, ` +
      `one project ${fixed(2)(rate(temporalShared) / rate(inProcessShared))}`,
  );
  for (const [run, r] of retries) {
    console.log(`${run.label}: history events per light scan ${fixed(1)(r.eventsPerScan)}, workflow tasks ${fixed(2)(r.workflowTasksPerScan)}`);
  }
  printTable(
    'CPU during each run, % of the machine (2 cores = 100); postgres = the backends serving the bench database; ' +
      'other = everything else on the machine (other work included)',
    ['run', 'worker', 'temporal', 'bench', 'postgres', 'other', 'idle'],
    runs.map((run) => [run.label, ...run.cpu.map(fixed(0))]),
  );
  printTable(
    'CPU ms per completed scan, by process (the bare loop scans in "bench"; its Temporal and worker idle)',
    ['run', 'worker', 'temporal', 'bench', 'postgres', 'all ours'],
    runs.map((run) => [run.label, ...run.cpuPerScanByProcess.map(ms), ms(run.benchCpuPerScanMs)]),
  );
  const memoryRow = (label: string, n: number, mean: number, peak: Memory) =>
    [label, String(n), fixed(0)(peak.rss), fixed(0)(mean), fixed(0)(peak.anon), fixed(0)(peak.file)];
  printTable(
    `Memory, MiB, sampled every second (goal for the worker ≤ ${RSS_GOAL_MIB} MiB VmRSS); anon/file = RssAnon/RssFile at the peak`,
    ['process, during', 'samples', 'max', 'mean', 'anon', 'file'],
    [
      memoryRow('worker, idle after start', 1, idle.rss, idle),
      memoryRow(`worker, ${CONCURRENCY} light scans in flight (project per lane)`, temporal.memory.n, temporal.memory.meanRss, temporal.memory.peak),
      memoryRow(`worker, ${CONCURRENCY} light scans in flight (one project)`, temporalShared.memory.n, temporalShared.memory.meanRss, temporalShared.memory.peak),
      memoryRow('this process, bare loop (project per lane)', inProcess.memory.n, inProcess.memory.meanRss, inProcess.memory.peak),
      memoryRow(`worker, ${FULL_SCANS} full scans in flight`, fullMemory.n, fullMemory.meanRss, fullMemory.peak),
    ],
  );
  printTable(
    `${FULL_SCANS} concurrent full scans (performance, security, seo, accessibility): \`pgrep -f chromium\` matches on the machine ` +
      '(other processes may run Chromium too) and those of the bench worker (goal after: 0)',
    ['when', 'pgrep -f chromium'],
    [
      ['before', describe(before)],
      ["during: the bench worker's live ones, peak (sampled every 250 ms)", String(chromiumPeak.max)],
      ['right after the last scan completed', describe(afterNow)],
      ['5 s later', describe(afterLater)],
    ],
  );
  console.log(
    `full scans: ${full.length} completed in ${fixed(1)(fullElapsed / 1000)} s (scan wall p50 ${ms(median(full.map((r) => r.dbWallMs)))} ms, ` +
      `max ${ms(Math.max(...full.map((r) => r.dbWallMs)))} ms); Chromium profile dirs left in the worker's TMPDIR: ${leftoverProfiles(stack.workerTmp)}`,
  );
}

runBench('scan', main, 12 * 60_000);
