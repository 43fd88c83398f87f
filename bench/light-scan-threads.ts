/**
 * Where a Temporal light scan's CPU goes inside the worker, thread by thread, and in the other
 * processes: a narrower companion of bench/scan-throughput.ts for profiling (no bare loop).
 *
 *   source scripts/lib.sh && ensure_node && ensure_temporal
 *   BENCH_WORKER=dist node_modules/.bin/tsx bench/light-scan-threads.ts
 *   BENCH_WORKER=dist BENCH_WORKER_PROF=/tmp/prof …   # and V8 CPU profiles of the worker's threads
 *
 * Light scans (security + seo) of the defects fixture page, started as scan-throughput starts
 * them, CONCURRENCY in flight, N of them (after a warm-up of CONCURRENCY); then CPU ms per scan of
 * the worker by thread name (/proc/<pid>/task/<tid>/stat: node's main thread, the workflow
 * thread, Core's tokio threads, libuv's pool, V8's helpers; threads that ended in the window are
 * "gone"), the Temporal server, this process and the bench database's PostgreSQL backends; the
 * worker's VmRSS idle after its start, during the scans and 10 s after them.
 *
 * Results go to stdout, progress to stderr. Linux only (/proc).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuShares, promisePool, runScan, sampleCpu, sampleMemory, startScanStack } from './scan-support.ts';
import { log, memoryMiB, processTicks, runBench, TICKS_PER_SECOND } from './support.ts';

const CONCURRENCY = Number(process.env.CONCURRENCY ?? 20);
const N = Number(process.env.N ?? 200);

/** Clock ticks (utime + stime) of each live thread of `pid`, by thread id, with its name. */
function threadTicks(pid: number): Map<string, { name: string; ticks: number }> {
  const out = new Map<string, { name: string; ticks: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(tid, { name, ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // ended between the listing and the read
    }
  }
  return out;
}

async function main(): Promise<void> {
  const stack = await startScanStack();
  const idleRss = memoryMiB(stack.workerPid).rss;
  const url = stack.site.defectsUrl;
  const LIGHT = ['security', 'seo'] as const;
  const lanes = await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => stack.newProject(`lane-${i}`)));
  log(`warm-up: ${CONCURRENCY} light scans`);
  await Promise.all(lanes.map((tenant) => runScan(stack, url, LIGHT, tenant)));

  const pids = [stack.workerPid, stack.temporalPid, process.pid];
  const threadsBefore = threadTicks(stack.workerPid);
  const workerBefore = processTicks(stack.workerPid);
  const cpuBefore = sampleCpu(pids);
  const memory = sampleMemory(stack.workerPid);
  let started = 0;
  let failed = 0;
  const t0 = performance.now();
  const startUs = process.hrtime.bigint() / 1000n; // V8's profiles use the same monotonic clock on Linux
  log(`${N} light scans, ${CONCURRENCY} in flight`);
  await promisePool(CONCURRENCY, () => (started < N ? (started++, true) : false), async (lane) => {
    await runScan(stack, url, LIGHT, lanes[lane]!).catch(() => failed++);
  });
  const elapsed = performance.now() - t0;
  const endUs = process.hrtime.bigint() / 1000n;
  // The window for bench/cpu-profile-summary.ts (the worker writes its profiles when it exits).
  const prof = process.env.BENCH_WORKER_PROF;
  if (prof) writeFileSync(path.join(prof, 'windows.json'), JSON.stringify([{ label: 'light', startUs: String(startUs), endUs: String(endUs) }]));
  const cpuAfter = sampleCpu(pids);
  const workerAfter = processTicks(stack.workerPid);
  const threadsAfter = threadTicks(stack.workerPid);
  const { peak, meanRss } = memory.stop();
  await sleep(10_000);
  const afterRss = memoryMiB(stack.workerPid).rss;
  const completed = N - failed;
  const perScan = (ticks: number) => ((1000 * ticks) / TICKS_PER_SECOND / completed).toFixed(1);

  const byName = new Map<string, number>();
  let live = 0;
  for (const [tid, after] of threadsAfter) {
    const ticks = after.ticks - (threadsBefore.get(tid)?.ticks ?? 0);
    live += ticks;
    byName.set(after.name, (byName.get(after.name) ?? 0) + ticks);
  }
  const workerTicks = workerAfter - workerBefore;
  console.log(`\nlight-scan-threads: ${completed} light scans (${failed} failed), ${CONCURRENCY} in flight, ${(elapsed / 1000).toFixed(1)} s`);
  console.log(`worker CPU ms per scan: ${perScan(workerTicks)}, by thread name:`);
  for (const [name, ticks] of [...byName].sort((a, b) => b[1] - a[1])) if (ticks > 0) console.log(`  ${name.padEnd(20)} ${perScan(ticks)}`);
  console.log(`  ${'(threads gone)'.padEnd(20)} ${perScan(workerTicks - live)}`);
  const total = cpuAfter.total - cpuBefore.total;
  const shares = cpuShares(cpuBefore, cpuAfter);
  const machineTicks = (share: number) => (total * share) / 100;
  console.log(
    `temporal ${perScan(machineTicks(shares[1]!))}, bench ${perScan(machineTicks(shares[2]!))}, postgres ${perScan(machineTicks(shares[3]!))}; ` +
      `other work ${shares[4]!.toFixed(0)} % of the machine, idle ${shares[5]!.toFixed(0)} %`,
  );
  console.log(`worker VmRSS MiB: idle after start ${idleRss.toFixed(0)}, during the scans mean ${meanRss.toFixed(0)} / peak ${peak.rss.toFixed(0)}, 10 s after ${afterRss.toFixed(0)}`);
}

runBench('light-scan-threads', main, 10 * 60_000);
