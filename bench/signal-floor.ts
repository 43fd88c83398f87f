/**
 * What a signal costs before any of our code runs: the floor under a decision (approve/reopen).
 *
 * A Temporal dev server (in memory, as bench/remediation-latency.ts runs it) and a worker with the
 * SDK's defaults (bench/signal-floor/worker.ts) serve 20 workflows that wait on a timer, as
 * VerificationWorkflow waits out its decision window. Bursts of 20 concurrent signals, one per
 * workflow, as the remediation bench's bursts of 20 decisions, with two handlers:
 *   noop   the handler does nothing: the signal and one workflow task;
 *   local  the handler runs a local activity that does nothing: a decision's shape (signal,
 *          workflow task, local activity, its marker), without the API, the database or our code.
 * For each: CPU per signal of the Temporal server, the worker (by thread) and the client (this
 * process: the signal's gRPC call, what the API pays for it), each less its idle rate, and the
 * floor of a burst of 20 on this machine's cores (the least time its last answer can take).
 * Last, what one call into a `node:vm` context costs with and without a timeout: the SDK calls into
 * the workflow sandbox with its isolate execution timeout, and Node starts a watchdog thread for
 * every such call (three calls per activation: activate, unblock conditions, conclude).
 *
 *   cd /work/main && source scripts/lib.sh && ensure_node && ensure_temporal
 *   node_modules/.bin/tsx bench/signal-floor.ts
 *   BENCH_TEMPORAL_ENV='GOGC=400' …   environment for the Temporal server (Go runtime settings)
 *   ROUNDS=20 …                       bursts measured per handler (after 3 warm-up bursts)
 *
 * Results go to stdout, progress to stderr. Linux only (/proc). About 1–2 minutes.
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import {
  cpuMs,
  historyEvents,
  idleRates,
  log,
  printTable,
  requireTemporalCli,
  runBench,
  scriptPid,
  startChild,
  startTemporal,
  temporalClient,
  threadCpuDelta,
  threadCpuMs,
  TSX,
  waitUntil,
} from './support.ts';

const CLIENTS = 20;
const WARMUP = 3;
const ROUNDS = Number(process.env.ROUNDS ?? 20);
const CORES = availableParallelism();
const TASK_QUEUE = 'sitewarden-bench-signal-floor';

/** `A=1 B=2` → { A: '1', B: '2' } */
const parseEnv = (text = '') => Object.fromEntries(text.split(/\s+/).filter(Boolean).map((pair) => pair.split('=', 2) as [string, string]));

runBench('signal-floor', async () => {
  const temporalEnv = parseEnv(process.env.BENCH_TEMPORAL_ENV);
  const temporal = await startTemporal(requireTemporalCli(), temporalEnv);
  const client = await temporalClient(temporal.address);
  const worker = startChild('worker', TSX, [path.join('bench', 'signal-floor', 'worker.ts')], { ...process.env, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_TASK_QUEUE: TASK_QUEUE });
  await waitUntil('the worker to poll its task queue', 120_000, async () => {
    const { pollers } = await client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: TASK_QUEUE } });
    return pollers.length > 0;
  }, 250);
  const pids = { temporal: temporal.pid, worker: scriptPid(worker) };
  log(`Temporal server env: ${JSON.stringify(temporalEnv)}; ${CORES} cores; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);

  const snapshot = () => ({ temporal: cpuMs(pids.temporal), worker: cpuMs(pids.worker), threads: threadCpuMs(pids.worker), client: process.cpuUsage(), at: performance.now() });
  type Snapshot = ReturnType<typeof snapshot>;
  const clientMs = (a: Snapshot, b: Snapshot) => (b.client.user - a.client.user + b.client.system - a.client.system) / 1000;
  /** The server's and the worker's idle rates, ms CPU per ms, once they are quiet (idleRates). */
  const quiet = async () => {
    const [temporal, worker] = await idleRates([pids.temporal, pids.worker]);
    return { temporal: temporal!, worker: worker! };
  };

  const rows: string[][] = [];
  const threadRows: string[][] = [];
  for (const mode of ['noop', 'local'] as const) {
    const ids = Array.from({ length: CLIENTS }, (_, i) => `signal-floor-${mode}-${i}-${randomUUID()}`);
    await Promise.all(ids.map((workflowId) => client.workflow.start('signalFloor', { taskQueue: TASK_QUEUE, workflowId, args: [mode] })));
    const handles = ids.map((id) => client.workflow.getHandle(id));
    const burst = () => Promise.all(handles.map((handle) => handle.signal('ping', randomUUID())));
    for (let i = 0; i < WARMUP; i++) {
      await quiet();
      await burst();
    }
    const sum = { temporal: 0, worker: 0, client: 0, threads: {} as Record<string, number> };
    for (let round = 0; round < ROUNDS; round++) {
      const idle = await quiet();
      const before = snapshot();
      await burst();
      const answered = snapshot();
      await quiet();
      const after = snapshot();
      const elapsed = after.at - before.at;
      sum.temporal += after.temporal - before.temporal - idle.temporal * elapsed;
      sum.worker += after.worker - before.worker - idle.worker * elapsed;
      sum.client += clientMs(before, answered);
      for (const [name, ms] of Object.entries(threadCpuDelta(before.threads, after.threads))) sum.threads[name] = (sum.threads[name] ?? 0) + ms;
    }
    // The workflow tasks per signal: 1 unless the server put several signals in one task.
    const histories = await Promise.all(ids.map((id) => historyEvents(client, id)));
    const signals = histories.reduce((n, h) => n + h.signals.length, 0);
    const tasks = histories.reduce((n, h) => n + h.workflowTasksCompleted.length - 1, 0); // less the first task
    const markers = histories.reduce((n, h) => n + h.markers, 0);
    const n = ROUNDS * CLIENTS;
    const per = { temporal: sum.temporal / n, worker: sum.worker / n, client: sum.client / n };
    const total = per.temporal + per.worker + per.client;
    rows.push([mode, (tasks / signals).toFixed(2), (markers / signals).toFixed(2), per.temporal.toFixed(2), per.worker.toFixed(2), per.client.toFixed(2), total.toFixed(2), ((total * CLIENTS) / CORES).toFixed(1)]);
    for (const [name, ms] of Object.entries(sum.threads).sort((a, b) => b[1] - a[1])) if (ms / n >= 0.05) threadRows.push([mode, name, (ms / n).toFixed(2)]);
    await Promise.all(handles.map((handle) => handle.terminate('measured')));
  }

  printTable(
    `CPU per signal, ms, over ${ROUNDS} bursts of ${CLIENTS} concurrent signals (one per workflow), until the processes are quiet, less their idle rate; floor = a burst's CPU / ${CORES} cores, ms (load average at the end ${loadavg().map((x) => x.toFixed(2)).join(' ')})`,
    ['handler', 'tasks/signal', 'markers/signal', 'temporal', 'worker', 'client', 'sum', 'floor c=20'],
    rows,
  );
  printTable('the worker by thread, ms per signal (threads that lived through the bursts; ≥ 0.05)', ['handler', 'thread', 'ms'], threadRows);

  // The SDK's call into the sandbox (workflow/reusable-vm.js: runInContext with the isolate
  // execution timeout, 5 s by default): Node runs each such call under a watchdog thread of its own.
  const context = vm.createContext({}, { microtaskMode: 'afterEvaluate' });
  const script = new vm.Script('globalThis.calls = (globalThis.calls ?? 0) + 1');
  const perCall = (options: vm.RunningScriptOptions) => {
    const calls = 2_000;
    const before = process.cpuUsage();
    for (let i = 0; i < calls; i++) script.runInContext(context, options);
    const spent = process.cpuUsage(before);
    return ((spent.user + spent.system) / calls).toFixed(1);
  };
  perCall({}); // warm-up
  printTable('one call into a node:vm context, µs of CPU (2 000 calls)', ['call', 'µs'], [
    ['without a timeout', perCall({})],
    ['with timeout 5 000 ms (a watchdog thread per call)', perCall({ timeout: 5_000 })],
  ]);
});
