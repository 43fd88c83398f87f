/**
 * What the bench/*.ts scripts that run the real processes share: children in process groups of
 * their own (stopped on success, error, Ctrl-C, SIGTERM and the overall time limit; a detached
 * watchdog kills them if this process is SIGKILLed, as tsx may do to a script that is slow to
 * acknowledge a signal), a Temporal dev server, the API and worker, a recreated database, /proc
 * readings, latency statistics, a workflow's history as activity spans, and table printing.
 *
 * Linux only (/proc).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { ensureDatabase, migrate } from '../src/platform/migrate.ts';
import { SEARCH_ATTRIBUTE_FLAGS } from '../src/platform/search-attributes.ts';

export const ROOT = path.resolve(__dirname, '..');
export const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

export const log = (message: string) => console.error(`[bench] ${message}`);

// ---- children and clean-up ---------------------------------------------------------------------

let benchName = 'bench';
let workDirPath: string | undefined;
/** The children's logs (kept when the run fails), made on first use; children may put more here (a TMPDIR). */
export const workDir = () => (workDirPath ??= mkdtempSync(path.join(tmpdir(), `sitewarden-bench-${benchName}-`)));
/** The children's process groups, for the watchdog; emptied once they are stopped. */
const groupsFile = () => path.join(workDir(), 'process-groups');

/** In every child's environment, and so in what they start that keeps it (Chromium's browser and crashpad processes). */
export const MARKER_NAME = 'SITEWARDEN_BENCH_RUN';
export const MARKER = `${MARKER_NAME}=${randomUUID()}`;

const children: ChildProcess[] = [];
const cleanups: { cleanup: () => Promise<unknown>; afterChildren: boolean }[] = [];
let stopping: Promise<never> | undefined;

/**
 * tsx relays a signal to the script and SIGKILLs it if the script does not acknowledge within 30 ms
 * (easily missed on a loaded machine), and a SIGKILLed process cleans up nothing. So a detached
 * shell waits for this process to go, then kills the children's groups and any process whose
 * command line names the work dir (say the worker's Chromium, in process groups of their own), by pid.
 */
function startWatchdog(): void {
  const script = `
    while kill -0 "$BENCH_PID" 2>/dev/null; do sleep 1; done
    for group in $(cat "$GROUPS_FILE" 2>/dev/null); do kill -KILL "-$group" 2>/dev/null; done
    for dir in /proc/[0-9]*; do
      pid=\${dir#/proc/}
      [ "$pid" = "$$" ] && continue
      case "$(tr '\\0' ' ' < "$dir/cmdline" 2>/dev/null)" in *"$WORK_DIR"*) kill -KILL "$pid" 2>/dev/null ;; esac
    done`;
  const env = { ...process.env, BENCH_PID: String(process.pid), GROUPS_FILE: groupsFile(), WORK_DIR: workDir() };
  spawn('sh', ['-c', script], { detached: true, stdio: 'ignore', env }).unref();
}

/** A child in a process group of its own, so one signal reaches what it forks (tsx → node → …); its output goes to `<name>.log`. */
export function startChild(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  if (children.length === 0) startWatchdog();
  const logFile = path.join(workDir(), `${name}.log`);
  const out = openSync(logFile, 'w');
  const childEnv = { ...env, [MARKER_NAME]: MARKER.slice(MARKER_NAME.length + 1) };
  const child = spawn(command, args, { cwd: ROOT, env: childEnv, detached: true, stdio: ['ignore', out, out] });
  children.push(child);
  appendFileSync(groupsFile(), `${child.pid}\n`);
  const died = (reason: unknown) => {
    if (stopping) return;
    const tail = readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n');
    console.error(`${name} stopped unexpectedly (${String(reason)}); the end of ${logFile}:\n${tail}`);
    void stopAndExit(1);
  };
  child.on('error', died);
  child.on('exit', (code, signal) => died(signal ?? `exit code ${code}`));
  return child;
}

export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // the group is gone already
  }
}

/**
 * Newest first (the API and worker shut down while Temporal still answers): SIGTERM (and SIGCONT,
 * for a paused group) each group, SIGKILL what is left after 10 s (60 s with BENCH_PROF). Then whatever the children left
 * in process groups of their own (the worker's Chromium) goes too.
 */
async function stopChildren(): Promise<void> {
  for (const child of [...children].reverse()) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // The script's own node process, not the tsx wrapper's group: the wrapper relays a SIGTERM it
      // gets and SIGKILLs its child when the child has not acknowledged it within 30 ms (tsx's
      // relaySignals), which a busy child misses; killed, it writes no CPU profile (BENCH_PROF: the
      // API's went missing so) and skips its shutdown. The wrapper exits with its child.
      const script = (() => {
        if (child.spawnfile !== TSX) return undefined;
        try {
          return scriptPid(child);
        } catch {
          return undefined;
        }
      })();
      signalGroup(child, 'SIGCONT');
      if (script === undefined) signalGroup(child, 'SIGTERM');
      else process.kill(script, 'SIGTERM');
      // A profiled process writes its profile as it exits (BENCH_PROF): give it the time.
      const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), process.env.BENCH_PROF ? 60_000 : 10_000);
      await exited;
      clearTimeout(timer);
    }
    signalGroup(child, 'SIGKILL'); // whatever the group leader left behind
  }
  if (!workDirPath) return;
  for (const pid of leftBehind(workDirPath)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  writeFileSync(groupsFile(), ''); // all gone: the watchdog must not kill recycled group ids
}

/** Live processes the bench's children started: their command line names the work dir, or they carry the marker. */
function leftBehind(dir: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => processInfo(Number(entry)))
    .filter((p) => p !== null && p.state !== 'Z' && (p.cmdline.includes(dir) || p.environ.includes(MARKER)))
    .map((p) => p!.pid);
}

/**
 * Runs `cleanup` when the bench stops: by default before the children are stopped (newest first),
 * with `afterChildren` once they are gone (say what the worker still talks to while it shuts down).
 */
export function onCleanup(cleanup: () => Promise<unknown>, { afterChildren = false } = {}): void {
  cleanups.push({ cleanup, afterChildren });
}

async function runCleanups(afterChildren: boolean): Promise<void> {
  for (const entry of [...cleanups].reverse()) {
    if (entry.afterChildren === afterChildren) await entry.cleanup().catch(() => undefined);
  }
}

function stopAndExit(code: number): Promise<never> {
  stopping ??= (async () => {
    await runCleanups(false);
    await stopChildren();
    await runCleanups(true);
    if (workDirPath && code === 0) rmSync(workDirPath, { recursive: true, force: true });
    else if (workDirPath) console.error(`children's logs: ${workDirPath}`);
    process.exit(code);
  })();
  return stopping;
}

/**
 * Runs a benchmark (`name` goes into its work dir's name); the children are stopped however it
 * ends: success, error, Ctrl-C, SIGTERM, or the overall time limit (none without `limitMs`).
 */
export function runBench(name: string, main: () => Promise<void>, limitMs?: number): void {
  benchName = name;
  // `on`, not `once`: a second signal (tsx relays the first) must not end the clean-up half-way.
  process.on('SIGINT', () => void stopAndExit(130));
  process.on('SIGTERM', () => void stopAndExit(143));
  process.on('exit', () => children.forEach((child) => signalGroup(child, 'SIGKILL')));
  if (limitMs !== undefined) {
    setTimeout(() => {
      console.error(`the benchmark did not finish within ${limitMs / 60_000} min; stopping`);
      void stopAndExit(1);
    }, limitMs).unref();
  }
  main().then(
    () => stopAndExit(0),
    (err: unknown) => {
      if (!stopping) console.error(err); // else: a signal is stopping the run, and what failed is what it closed
      return stopAndExit(1);
    },
  );
}

// ---- the stack ----------------------------------------------------------------------------------

export function requireTemporalCli(): string {
  const temporalCli = process.env.TEMPORAL_CLI;
  if (!temporalCli) throw new Error('TEMPORAL_CLI is not set: run `source scripts/lib.sh && ensure_node && ensure_temporal` first');
  return temporalCli;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Polls `check` (a throw counts as not yet) every `everyMs` until it holds. */
export async function waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean>, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Drops and recreates the database (it is this benchmark's own), then applies the migrations. */
export async function recreateDatabase(url: string): Promise<void> {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(new URL(url).pathname.slice(1))} WITH (FORCE)`);
  } finally {
    await client.end();
  }
  await ensureDatabase(url);
  await migrate(url);
}

/** A Temporal dev server (in memory) on free ports, once it accepts connections; `env` on top of ours (e.g. the Go runtime's GOGC). */
export async function startTemporal(temporalCli: string, env: Record<string, string> = {}): Promise<{ address: string; pid: number }> {
  const [port, uiPort] = [await freePort(), await freePort()];
  const temporal = startChild('temporal', temporalCli, [
    ...['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--ui-port', String(uiPort)],
    ...['--headless', '--log-level', 'error'],
    ...SEARCH_ATTRIBUTE_FLAGS.flatMap((flag) => ['--search-attribute', flag]),
  ], { ...process.env, ...env });
  await waitUntil('the Temporal dev server', 30_000, () => portOpen(port));
  return { address: `127.0.0.1:${port}`, pid: temporal.pid! };
}

/** Our environment without PageSpeed Insights (it would send work off this machine). */
export function localEnv(): NodeJS.ProcessEnv {
  const { PAGESPEED_API_URL: _url, PAGESPEED_API_KEY: _key, ...inherited } = process.env;
  return inherited;
}

/** A Temporal client on its own connection, closed when the bench stops (`afterChildren` as for onCleanup). */
export async function temporalClient(address: string, { afterChildren = false } = {}): Promise<Client> {
  const connection = await Connection.connect({ address });
  onCleanup(() => connection.close(), { afterChildren });
  return new Client({ connection, namespace: 'default' });
}

export interface Stack {
  baseUrl: string;
  /** host:port of the Temporal dev server. */
  address: string;
  temporal: Client;
  temporalPid: number;
  /** The tsx wrapper's process group leader (signalGroup pauses or resumes the whole worker). */
  worker: ChildProcess;
  /** The node processes running the scripts (not their tsx wrappers). */
  apiPid: number;
  workerPid: number;
}

/** Temporal dev server (in memory), then `src/api/main.ts` and `src/worker.ts` with `env` on top of ours; ready once the worker polls. */
export async function startStack(temporalCli: string, env: Record<string, string>): Promise<Stack> {
  const temporal = await startTemporal(temporalCli);
  const apiPort = await freePort();
  // WORKER_METRICS_PORT 0: a free port, so a bench never collides with a running worker's 9464.
  const childEnv = { ...localEnv(), WORKER_METRICS_PORT: '0', ...env, TEMPORAL_ADDRESS: temporal.address, HOST: '127.0.0.1', PORT: String(apiPort) };
  // BENCH_PROF=<dir>: V8 CPU profiles of the API and the worker, written there when they exit.
  const profiled = (name: string) =>
    process.env.BENCH_PROF ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --cpu-prof --cpu-prof-dir=${process.env.BENCH_PROF}/${name}`.trim() } : {};
  const api = startChild('api', TSX, ['src/api/main.ts'], { ...childEnv, ...profiled('api') });
  const worker = startChild('worker', TSX, ['src/worker.ts'], { ...childEnv, ...profiled('worker') });
  const baseUrl = `http://127.0.0.1:${apiPort}`;

  const client = await temporalClient(temporal.address);
  await waitUntil('the API /readyz', 90_000, () => fetch(`${baseUrl}/readyz`).then((r) => r.ok));
  const taskQueue = env.TEMPORAL_TASK_QUEUE ?? 'sitewarden';
  await waitUntil('the worker to poll its task queue', 180_000, async () => {
    const { pollers } = await client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue } });
    return pollers.length > 0;
  }, 250);
  return { baseUrl, address: temporal.address, temporal: client, temporalPid: temporal.pid, worker, apiPid: scriptPid(api), workerPid: scriptPid(worker) };
}

// ---- /proc --------------------------------------------------------------------------------------

/** The node process running the script below a tsx wrapper (its sibling is esbuild's service). */
export function scriptPid(wrapper: ChildProcess): number {
  const tasks = readdirSync(`/proc/${wrapper.pid}/task`);
  const kids = tasks.flatMap((tid) => readFileSync(`/proc/${wrapper.pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean));
  const node = readlinkSync(`/proc/${wrapper.pid}/exe`);
  const pid = kids.map(Number).find((kid) => readlinkSync(`/proc/${kid}/exe`) === node);
  if (!pid) throw new Error(`no node child under tsx pid ${wrapper.pid}`);
  return pid;
}

export interface ProcessInfo {
  pid: number;
  state: string;
  pgid: number;
  cmdline: string;
  environ: string[];
}

export function processInfo(pid: number): ProcessInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const read = (file: string) => {
      try {
        return readFileSync(`/proc/${pid}/${file}`, 'utf8').split('\0');
      } catch {
        return [];
      }
    };
    return { pid, state: fields[0]!, pgid: Number(fields[2]), cmdline: read('cmdline').join(' '), environ: read('environ') };
  } catch {
    return null; // gone meanwhile
  }
}

export const TICKS_PER_SECOND = 100; // USER_HZ, the unit of /proc/stat and /proc/<pid>/stat on Linux

/** User + system clock ticks of a process; NaN once it is gone. */
export const processTicks = (pid: number) => statTicks(`/proc/${pid}/stat`);

/** User + system clock ticks from a stat file (a process's, or a thread's under /proc/<pid>/task); NaN once it is gone. */
function statTicks(statPath: string): number {
  try {
    const stat = readFileSync(statPath, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from the 3rd (state) on
    return Number(fields[11]) + Number(fields[12]); // utime, stime
  } catch {
    return NaN;
  }
}

/** User + system CPU of a process, in ms; NaN once it is gone. */
export const cpuMs = (pid: number) => (processTicks(pid) * 1000) / TICKS_PER_SECOND;

/**
 * User + system CPU of a process's threads in ms, summed by thread name (digits dropped, so the
 * pool threads add up: tokio-runtime-w, libuv-worker, V8 workers). Threads that ended meanwhile
 * are not counted: compare two readings only for threads that live the whole time.
 */
export function threadCpuMs(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out; // gone
  }
  for (const tid of tids) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim().replace(/[\d-]+$/, '') || '?';
      out[name] = (out[name] ?? 0) + (statTicks(`/proc/${pid}/task/${tid}/stat`) * 1000) / TICKS_PER_SECOND;
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/**
 * Waits until a 300 ms interval passes with at most one clock tick (10 ms) of CPU in `pids` all
 * together; their idle rates over that interval, ms of CPU per ms, in the order of `pids` (what a
 * measurement subtracts for the time it spans). After 15 s without one, zeros and a log line.
 */
export async function idleRates(pids: number[]): Promise<number[]> {
  const read = () => ({ cpu: pids.map(cpuMs), at: performance.now() });
  let last = read();
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
    await sleep(300);
    const now = read();
    const spent = now.cpu.map((ms, i) => ms - last.cpu[i]!);
    if (spent.reduce((a, b) => a + b, 0) <= 10) return spent.map((ms) => ms / (now.at - last.at));
    last = now;
  }
  log('the processes did not go quiet within 15 s; measuring anyway');
  return pids.map(() => 0);
}

/** CPU of each thread group between two readings of threadCpuMs. */
export function threadCpuDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([name, ms]) => [name, ms - (before[name] ?? 0)]));
}

export interface Memory {
  /** VmRSS, and its parts RssAnon (heaps) and RssFile (mapped code and files), MiB. */
  rss: number;
  anon: number;
  file: number;
}

export function memoryMiB(pid: number): Memory {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1] ?? 0) / 1024;
    return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') };
  } catch {
    return { rss: 0, anon: 0, file: 0 }; // gone
  }
}

export const rssMiB = (pid: number) => memoryMiB(pid).rss;

// ---- statistics ---------------------------------------------------------------------------------

export interface Stats {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile; NaN for no values. */
export function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

/** Nearest-rank percentiles. */
export function stats(values: number[]): Stats {
  const at = (q: number) => percentile(values, q);
  return { n: values.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) };
}

export const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** `clients` loops run `op` `perClient` times each, concurrently; latencies in ms. */
export async function measure(clients: number, perClient: number, op: () => Promise<unknown>): Promise<Stats & { perSecond: number }> {
  const latencies: number[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = 0; i < perClient; i++) {
        const t0 = performance.now();
        await op();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const wallMs = performance.now() - start;
  return { ...stats(latencies), perSecond: (latencies.length * 1000) / wallMs };
}

// ---- workflow history ---------------------------------------------------------------------------

export interface ActivitySpan {
  name: string;
  scheduled: number;
  started: number;
  closed: number;
}

export interface HistoryEvents {
  workflowStarted: number;
  workflowClosed: number;
  activities: ActivitySpan[];
  signals: { name: string; at: number }[];
  workflowTasksCompleted: number[];
  /** MarkerRecorded events: the local activities. */
  markers: number;
}

type Timestamp = { seconds?: { toNumber(): number } | number | null; nanos?: number | null } | null | undefined;
const toMs = (ts: Timestamp) => {
  const seconds = ts?.seconds ?? 0;
  return (typeof seconds === 'number' ? seconds : seconds.toNumber()) * 1000 + (ts?.nanos ?? 0) / 1e6;
};

/** A workflow's history so far (event times: the Temporal server's clock, the same machine's). */
export async function historyEvents(client: Client, workflowId: string): Promise<HistoryEvents> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const spans = new Map<string, ActivitySpan>();
  const out: HistoryEvents = { workflowStarted: NaN, workflowClosed: NaN, activities: [], signals: [], workflowTasksCompleted: [], markers: 0 };
  for (const event of history.events ?? []) {
    const at = toMs(event.eventTime);
    if (event.workflowExecutionStartedEventAttributes && Number.isNaN(out.workflowStarted)) out.workflowStarted = at;
    if (event.workflowExecutionCompletedEventAttributes || event.workflowExecutionFailedEventAttributes) out.workflowClosed = at;
    if (event.markerRecordedEventAttributes) out.markers++;
    if (event.workflowTaskCompletedEventAttributes) out.workflowTasksCompleted.push(at);
    const signaled = event.workflowExecutionSignaledEventAttributes;
    if (signaled) out.signals.push({ name: signaled.signalName ?? '?', at });
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) spans.set(String(event.eventId), { name: scheduled.activityType?.name ?? '?', scheduled: at, started: NaN, closed: NaN });
    const started = event.activityTaskStartedEventAttributes;
    if (started) spans.get(String(started.scheduledEventId))!.started = at;
    const closed = event.activityTaskCompletedEventAttributes ?? event.activityTaskFailedEventAttributes ?? event.activityTaskTimedOutEventAttributes;
    if (closed) spans.get(String(closed.scheduledEventId))!.closed = at;
  }
  out.activities = [...spans.values()];
  return out;
}

// ---- printing -----------------------------------------------------------------------------------

export const fixed = (digits: number) => (value: number) => value.toFixed(digits);

export function printTable(title: string, header: string[], rows: string[][]): void {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd();
  console.log(`\n${title}\n${line(header)}`);
  rows.forEach((row) => console.log(line(row)));
}
