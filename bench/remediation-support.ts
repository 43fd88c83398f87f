/**
 * What bench/remediation-*.ts need (bench/kickoff-latency.ts exports nothing): a Temporal dev
 * server, the real API and worker processes as children (each in its own process group, stopped
 * on success, error, Ctrl-C, SIGTERM and the overall time limit; a detached watchdog kills them
 * if this process is SIGKILLed, as tsx may do to a script that is slow to acknowledge a signal),
 * a recreated database, latency statistics, the verification workflow's history as spans, and
 * table printing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { ensureDatabase, migrate } from '../src/platform/migrate.ts';

export const ROOT = path.resolve(__dirname, '..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

export const log = (message: string) => console.error(`[bench] ${message}`);

// ---- children and clean-up ---------------------------------------------------------------------

/** The children's logs (kept when the run fails) and their process groups, for the watchdog; made with the first child. */
let workDir: string | undefined;
const WORK_DIR = () => (workDir ??= mkdtempSync(path.join(tmpdir(), 'sitewarden-bench-remediation-')));
const GROUPS_FILE = () => path.join(WORK_DIR(), 'process-groups');
const children: ChildProcess[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
let stopping: Promise<never> | undefined;

/** Kills the children's process groups once this process is gone, however it went. */
function startWatchdog(): void {
  const script = `
    while kill -0 "$BENCH_PID" 2>/dev/null; do sleep 1; done
    for group in $(cat "$GROUPS_FILE" 2>/dev/null); do kill -KILL -- "-$group" 2>/dev/null; done`;
  spawn('sh', ['-c', script], { detached: true, stdio: 'ignore', env: { ...process.env, BENCH_PID: String(process.pid), GROUPS_FILE: GROUPS_FILE() } }).unref();
}

export function startChild(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  if (children.length === 0) startWatchdog();
  const logFile = path.join(WORK_DIR(), `${name}.log`);
  const out = openSync(logFile, 'w');
  const child = spawn(command, args, { cwd: ROOT, env, detached: true, stdio: ['ignore', out, out] });
  children.push(child);
  appendFileSync(GROUPS_FILE(), `${child.pid}\n`);
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

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // the group is gone already
  }
}

/** Newest first (API and worker before Temporal): SIGTERM each group, SIGKILL what is left after 10 s. */
async function stopChildren(): Promise<void> {
  for (const child of [...children].reverse()) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      signalGroup(child, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    signalGroup(child, 'SIGKILL'); // whatever the group leader left behind
  }
  if (workDir) writeFileSync(GROUPS_FILE(), ''); // all gone: the watchdog must not kill recycled group ids
}

export function onCleanup(cleanup: () => Promise<unknown>): void {
  cleanups.push(cleanup);
}

function stopAndExit(code: number): Promise<never> {
  stopping ??= (async () => {
    for (const cleanup of [...cleanups].reverse()) await cleanup().catch(() => undefined);
    await stopChildren();
    if (workDir && code === 0) rmSync(workDir, { recursive: true, force: true });
    else if (workDir) console.error(`children's logs: ${workDir}`);
    process.exit(code);
  })();
  return stopping;
}

/** Runs a benchmark; the children are stopped however it ends. */
export function runBench(main: () => Promise<void>, limitMs: number): void {
  // `on`, not `once`: a second signal (tsx relays the first) must not end the clean-up half-way.
  process.on('SIGINT', () => void stopAndExit(130));
  process.on('SIGTERM', () => void stopAndExit(143));
  process.on('exit', () => children.forEach((child) => signalGroup(child, 'SIGKILL')));
  setTimeout(() => {
    console.error(`the benchmark did not finish within ${limitMs / 60_000} min; stopping`);
    void stopAndExit(1);
  }, limitMs).unref();
  main().then(
    () => stopAndExit(0),
    (err: unknown) => {
      if (!stopping) console.error(err); // else: a signal is stopping the run, and what failed is what it closed
      return stopAndExit(1);
    },
  );
}

// ---- the stack ----------------------------------------------------------------------------------

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

export interface Stack {
  baseUrl: string;
  temporal: Client;
  temporalPid: number;
  apiPid: number;
  workerPid: number;
}

/** Temporal dev server (in memory), then `src/api/main.ts` and `src/worker.ts` with `env` on top of ours. */
export async function startStack(temporalCli: string, env: Record<string, string>): Promise<Stack> {
  const [temporalPort, uiPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const temporal = startChild('temporal', temporalCli, [
    ...['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(temporalPort), '--ui-port', String(uiPort)],
    ...['--headless', '--log-level', 'error'],
  ], process.env);
  await waitUntil('the Temporal dev server', 30_000, () => portOpen(temporalPort));
  const address = `127.0.0.1:${temporalPort}`;

  // PageSpeed Insights would send work off this machine.
  const { PAGESPEED_API_URL: _url, PAGESPEED_API_KEY: _key, ...inherited } = process.env;
  const childEnv = { ...inherited, ...env, TEMPORAL_ADDRESS: address, HOST: '127.0.0.1', PORT: String(apiPort) };
  const api = startChild('api', TSX, ['src/api/main.ts'], childEnv);
  const worker = startChild('worker', TSX, ['src/worker.ts'], childEnv);
  const baseUrl = `http://127.0.0.1:${apiPort}`;

  const connection = await Connection.connect({ address });
  onCleanup(() => connection.close());
  const client = new Client({ connection, namespace: 'default' });
  await waitUntil('the API /readyz', 90_000, () => fetch(`${baseUrl}/readyz`).then((r) => r.ok));
  const taskQueue = env.TEMPORAL_TASK_QUEUE ?? 'sitewarden';
  await waitUntil('the worker to poll its task queue', 180_000, async () => {
    const { pollers } = await client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue } });
    return pollers.length > 0;
  }, 250);
  return { baseUrl, temporal: client, temporalPid: temporal.pid!, apiPid: scriptPid(api), workerPid: scriptPid(worker) };
}

/** The node process running the script below a tsx wrapper (its sibling is esbuild's service). */
function scriptPid(wrapper: ChildProcess): number {
  const tasks = readdirSync(`/proc/${wrapper.pid}/task`);
  const kids = tasks.flatMap((tid) => readFileSync(`/proc/${wrapper.pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean));
  const node = readlinkSync(`/proc/${wrapper.pid}/exe`);
  const pid = kids.map(Number).find((kid) => readlinkSync(`/proc/${kid}/exe`) === node);
  if (!pid) throw new Error(`no node child under tsx pid ${wrapper.pid}`);
  return pid;
}

/** User + system CPU of a process, in ms (USER_HZ = 100). */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

// ---- statistics ---------------------------------------------------------------------------------

export interface Stats {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles. */
export function stats(values: number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1))] ?? NaN;
  return { n: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) };
}

export const median = (values: number[]) => stats(values).p50;

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
  activities: ActivitySpan[];
  signals: { name: string; at: number }[];
  workflowTasksCompleted: number[];
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
  const out: HistoryEvents = { workflowStarted: NaN, activities: [], signals: [], workflowTasksCompleted: [] };
  for (const event of history.events ?? []) {
    const at = toMs(event.eventTime);
    if (event.workflowExecutionStartedEventAttributes && Number.isNaN(out.workflowStarted)) out.workflowStarted = at;
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

export const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '–');

export function printTable(title: string, header: string[], rows: string[][]): void {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd();
  console.log(`\n${title}\n${line(header)}`);
  rows.forEach((row) => console.log(line(row)));
}
