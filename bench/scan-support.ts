/**
 * What bench/scan-*.ts share: a Temporal dev server and a real worker process as children (cleaned
 * up on exit, error and Ctrl-C), the fixture site served in this process on 127.0.0.1, scans
 * started the way POST …/scans/run starts them (a scan_runs row through Prisma, then
 * startScanWorkflow), the workflow history turned into phases, /proc sampling and table printing.
 *
 * Database: sitewarden_bench_scan (ensureDatabase + migrate); each run uses an org of its own.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { createOrg, createProject } from '../src/admin/tenants.ts';
import type { ScanOutcome } from '../src/activities/scan-runs.ts';
import { SCANNERS, type ScannerName } from '../src/domain/scanners.ts';
import { connectDatabase, type Database } from '../src/platform/db.ts';
import { ensureDatabase, migrate } from '../src/platform/migrate.ts';
import { scanWorkflowId, startScanWorkflow } from '../src/services/scan-kickoff.ts';
import { startFixtureSite, type FixtureSite } from '../test/support/fixture-site.ts';

export const ROOT = path.resolve(__dirname, '..');
export const DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/sitewarden_bench_scan';
export const TASK_QUEUE = 'sitewarden-bench-scan';
export const BROWSER_TASK_QUEUE = 'sitewarden-bench-scan-browser';
/** The worker's default DATABASE_POOL_SIZE; in-process work uses the same. */
export const POOL_SIZE = 10;
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

export const log = (message: string) => console.error(`[bench] ${message}`);

// ---- children and clean-up ---------------------------------------------------------------------

/** Children's logs (kept when the run fails) and the worker's TMPDIR (Chromium profiles go there). */
const WORK_DIR = mkdtempSync(path.join(tmpdir(), 'sitewarden-bench-scan-'));
/** In the worker's environment, and so in its Chromium's browser and crashpad processes (the helpers drop it). */
const MARKER_NAME = 'SITEWARDEN_BENCH_RUN';
const MARKER = `${MARKER_NAME}=${randomUUID()}`;
const children: ChildProcess[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
let stopping: Promise<never> | undefined;

/** The children's process groups, for the watchdog; emptied once they are stopped. */
const GROUPS_FILE = path.join(WORK_DIR, 'process-groups');

/**
 * tsx relays a signal to the script and SIGKILLs it if the script does not acknowledge within 30 ms
 * (easily missed on a loaded machine), and a SIGKILLed process cleans up nothing. So a detached
 * shell waits for this process to go, then kills the children's groups and any process whose
 * command line names WORK_DIR (the worker's Chromium, in process groups of their own), by pid.
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
  const env = { ...process.env, BENCH_PID: String(process.pid), GROUPS_FILE, WORK_DIR };
  spawn('sh', ['-c', script], { detached: true, stdio: 'ignore', env }).unref();
}

/** A child in a process group of its own, so one signal reaches what it forks (tsx → node → …). */
function startChild(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  if (children.length === 0) startWatchdog();
  const logFile = path.join(WORK_DIR, `${name}.log`);
  const out = openSync(logFile, 'w');
  const child = spawn(command, args, { cwd: ROOT, env, detached: true, stdio: ['ignore', out, out] });
  children.push(child);
  appendFileSync(GROUPS_FILE, `${child.pid}\n`);
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

/**
 * Newest first (the worker shuts down while Temporal still answers): SIGTERM each group, SIGKILL
 * what is left after 10 s. Then whatever Chromium the worker left (its own process groups) goes too.
 */
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
  for (const pid of leftBehind()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  writeFileSync(GROUPS_FILE, ''); // all gone: the watchdog must not kill recycled group ids
}

/** Live processes the bench's children started: their command line names WORK_DIR, or they carry the marker. */
function leftBehind(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => processInfo(Number(entry)))
    .filter((p) => p !== null && p.state !== 'Z' && (p.cmdline.includes(WORK_DIR) || p.environ.includes(MARKER)))
    .map((p) => p!.pid);
}

function stopAndExit(code: number): Promise<never> {
  stopping ??= (async () => {
    await stopChildren(); // the worker first, while the fixture site and Temporal still answer it
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    if (code === 0) rmSync(WORK_DIR, { recursive: true, force: true });
    else console.error(`children's logs: ${WORK_DIR}`);
    process.exit(code);
  })();
  return stopping;
}

/**
 * Runs a benchmark: children are stopped however it ends (success, error, Ctrl-C, SIGTERM, or the
 * overall time limit).
 */
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
      console.error(err);
      return stopAndExit(1);
    },
  );
}

// ---- the stack ----------------------------------------------------------------------------------

export interface Tenant {
  orgId: string;
  projectId: string;
}

export interface ScanStack {
  db: Database;
  client: Client;
  site: FixtureSite;
  /** The run's org and a first project; newProject adds another project to that org. */
  tenant: Tenant;
  newProject(slug: string): Promise<Tenant>;
  temporalPid: number;
  /** The node process running src/worker.ts (not its tsx wrapper). */
  workerPid: number;
  /** NAME=value in the worker's environment (and its Chromium browser and crashpad processes'). */
  marker: string;
  /** The worker's TMPDIR: Chromium profiles it did not delete stay here. */
  workerTmp: string;
}

export async function startScanStack(): Promise<ScanStack> {
  const temporalCli = process.env.TEMPORAL_CLI;
  if (!temporalCli) throw new Error('TEMPORAL_CLI is not set: run `source scripts/lib.sh && ensure_node && ensure_temporal` first');

  log(`database sitewarden_bench_scan; starting Temporal and the worker (logs in ${WORK_DIR})`);
  await ensureDatabase(DATABASE_URL);
  await migrate(DATABASE_URL);
  const db = connectDatabase(DATABASE_URL, POOL_SIZE);
  cleanups.push(() => db.close());
  const site = await startFixtureSite();
  cleanups.push(() => site.close());

  const [port, uiPort] = [await freePort(), await freePort()];
  const temporal = startChild('temporal', temporalCli, [
    ...['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--ui-port', String(uiPort)],
    ...['--headless', '--log-level', 'error'],
  ], process.env);
  await waitUntil('the Temporal dev server', 30_000, () => portOpen(port));
  const address = `127.0.0.1:${port}`;

  const workerTmp = mkdtempSync(path.join(WORK_DIR, 'worker-tmp-'));
  // PageSpeed Insights would take performance off this machine: local Lighthouse only.
  const { PAGESPEED_API_URL: _url, PAGESPEED_API_KEY: _key, ...inherited } = process.env;
  const worker = startChild('worker', TSX, ['src/worker.ts'], {
    ...inherited,
    DATABASE_URL,
    DATABASE_POOL_SIZE: String(POOL_SIZE),
    TEMPORAL_ADDRESS: address,
    TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    TEMPORAL_BROWSER_TASK_QUEUE: BROWSER_TASK_QUEUE,
    SITEWARDEN_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
    LOG_LEVEL: 'warn',
    TMPDIR: workerTmp,
    [MARKER_NAME]: MARKER.slice(MARKER_NAME.length + 1),
  });

  const connection = await Connection.connect({ address });
  cleanups.push(() => connection.close());
  const client = new Client({ connection, namespace: 'default' });
  await waitUntil('the worker to poll both task queues', 180_000, () => workerPolling(client));

  const org = await createOrg(db.prisma, 'bench-scan');
  const project = await createProject(db.prisma, org.id, 'bench-site');
  return {
    db,
    client,
    site,
    tenant: { orgId: org.id, projectId: project.id },
    newProject: async (slug) => ({ orgId: org.id, projectId: (await createProject(db.prisma, org.id, slug)).id }),
    temporalPid: temporal.pid!,
    workerPid: scriptPid(worker),
    marker: MARKER,
    workerTmp,
  };
}

/** Workflow pollers on the main queue, activity pollers on the browser queue. */
async function workerPolling(client: Client): Promise<boolean> {
  const pollers = async (name: string, taskQueueType: 1 | 2) =>
    (await client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name }, taskQueueType })).pollers.length;
  return (await pollers(TASK_QUEUE, 1)) > 0 && (await pollers(BROWSER_TASK_QUEUE, 2)) > 0; // 1 = workflow, 2 = activity
}

async function freePort(): Promise<number> {
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

async function waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(200);
  }
}

// ---- scans --------------------------------------------------------------------------------------

export interface ScanResult {
  id: string;
  outcome: ScanOutcome;
  /** Before the row insert → the workflow's result arrived here. */
  clientMs: number;
  /** scan_runs.finished_at − started_at, as stored (ms precision). */
  dbWallMs: number;
  startedAt: Date;
}

/** Starts a scan as POST …/scans/run does: the queued row first, then the workflow. */
export async function startScan(stack: ScanStack, url: string, scanners: readonly ScannerName[], tenant = stack.tenant): Promise<string> {
  const id = randomUUID();
  const now = new Date();
  const ordered = SCANNERS.filter((s) => scanners.includes(s));
  await stack.db.prisma.scanRun.create({
    data: {
      id,
      org_id: tenant.orgId,
      project_id: tenant.projectId,
      url,
      trigger: 'manual',
      scanners: ordered,
      status: 'queued',
      scanner_status: Object.fromEntries(ordered.map((name) => [name, { status: 'pending' }])),
      workflow_id: scanWorkflowId(id),
      started_at: now,
      inserted_at: now,
    },
  });
  await startScanWorkflow(stack.client, TASK_QUEUE, id);
  return id;
}

/** One scan, start to result; a failed run or a failed scanner slot is an error (the figures would lie). */
export async function runScan(stack: ScanStack, url: string, scanners: readonly ScannerName[], tenant = stack.tenant): Promise<ScanResult> {
  const t0 = performance.now();
  const id = await startScan(stack, url, scanners, tenant);
  const outcome = await stack.client.workflow.getHandle<() => Promise<ScanOutcome>>(scanWorkflowId(id)).result();
  const clientMs = performance.now() - t0;
  const run = await stack.db.prisma.scanRun.findUniqueOrThrow({ where: { id } });
  const failed = Object.entries(run.scanner_status as Record<string, { status: string; error?: string }>).filter(([, s]) => s.status !== 'done');
  if (outcome.status !== 'completed' || failed.length) {
    throw new Error(`scan ${id} (${scanners.join(', ')}): ${run.status}; ${JSON.stringify(Object.fromEntries(failed))}`);
  }
  return { id, outcome, clientMs, dbWallMs: run.finished_at!.getTime() - run.started_at!.getTime(), startedAt: run.started_at! };
}

// ---- workflow history ---------------------------------------------------------------------------

export interface ActivitySpan {
  name: string;
  scheduled: number;
  started: number;
  closed: number;
}

export interface Timeline {
  workflowStarted: number;
  workflowClosed: number;
  activities: ActivitySpan[];
  /** MarkerRecorded events: the local activities (scanner slot bookkeeping). */
  markers: number;
  workflowTasks: number;
}

type Timestamp = { seconds?: { toNumber(): number } | number | null; nanos?: number | null } | null | undefined;
const toMs = (ts: Timestamp) => {
  const seconds = ts?.seconds ?? 0;
  return (typeof seconds === 'number' ? seconds : seconds.toNumber()) * 1000 + (ts?.nanos ?? 0) / 1e6;
};

/** The scan's workflow history as activity spans (event timestamps, Temporal server's clock). */
export async function scanTimeline(client: Client, scanRunId: string): Promise<Timeline> {
  const history = await client.workflow.getHandle(scanWorkflowId(scanRunId)).fetchHistory();
  const spans = new Map<string, ActivitySpan>();
  const timeline: Timeline = { workflowStarted: NaN, workflowClosed: NaN, activities: [], markers: 0, workflowTasks: 0 };
  for (const event of history.events ?? []) {
    const at = toMs(event.eventTime);
    const id = String(event.eventId);
    if (event.workflowExecutionStartedEventAttributes) timeline.workflowStarted = at;
    if (event.workflowExecutionCompletedEventAttributes || event.workflowExecutionFailedEventAttributes) timeline.workflowClosed = at;
    if (event.markerRecordedEventAttributes) timeline.markers++;
    if (event.workflowTaskCompletedEventAttributes) timeline.workflowTasks++;
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) spans.set(id, { name: scheduled.activityType?.name ?? '?', scheduled: at, started: NaN, closed: NaN });
    const started = event.activityTaskStartedEventAttributes;
    if (started) spans.get(String(started.scheduledEventId))!.started = at;
    const closed = event.activityTaskCompletedEventAttributes ?? event.activityTaskFailedEventAttributes ?? event.activityTaskTimedOutEventAttributes;
    if (closed) spans.get(String(closed.scheduledEventId))!.closed = at;
  }
  timeline.activities = [...spans.values()];
  return timeline;
}

export function activity(timeline: Timeline, name: string): ActivitySpan {
  const span = timeline.activities.find((a) => a.name === name);
  if (!span) throw new Error(`no ${name} activity in the history`);
  return span;
}

export const SCANNER_ACTIVITY: Record<ScannerName, string> = {
  security: 'runSecurityScanner',
  seo: 'runSeoScanner',
  accessibility: 'runAccessibilityScanner',
  performance: 'runPerformanceScanner',
};

// ---- /proc --------------------------------------------------------------------------------------

/** The node process running the script below a tsx wrapper (its sibling is esbuild's service). */
function scriptPid(wrapper: ChildProcess): number {
  const tasks = readdirSync(`/proc/${wrapper.pid}/task`);
  const kids = tasks.flatMap((tid) => readFileSync(`/proc/${wrapper.pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean));
  const node = readlinkSync(`/proc/${wrapper.pid}/exe`);
  const pid = kids.map(Number).find((kid) => readlinkSync(`/proc/${kid}/exe`) === node);
  if (!pid) throw new Error(`no node child under tsx pid ${wrapper.pid}`);
  return pid;
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

/** Samples `sample()` every `intervalMs` until stopped: max and mean. */
export function sampleEvery(intervalMs: number, sample: () => number): { stop(): { max: number; mean: number; n: number } } {
  const values: number[] = [sample()];
  const timer = setInterval(() => values.push(sample()), intervalMs);
  return {
    stop() {
      clearInterval(timer);
      values.push(sample());
      return { max: Math.max(...values), mean: values.reduce((a, b) => a + b, 0) / values.length, n: values.length };
    },
  };
}

export interface MemoryStats {
  n: number;
  meanRss: number;
  /** The sample with the highest VmRSS. */
  peak: Memory;
}

/** A process's memory every second until stopped. */
export function sampleMemory(pid: number): { stop(): MemoryStats } {
  let peak = memoryMiB(pid);
  const rss = sampleEvery(1_000, () => {
    const now = memoryMiB(pid);
    if (now.rss > peak.rss) peak = now;
    return now.rss;
  });
  return {
    stop() {
      const { mean, n } = rss.stop();
      return { n, meanRss: mean, peak };
    },
  };
}

/** `pgrep -f chromium`, the real command (exit 1 = no match): anyone's, zombies included. */
export function pgrepChromium(): number[] {
  try {
    return execFileSync('pgrep', ['-f', 'chromium'], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

interface ProcessInfo {
  pid: number;
  state: string;
  pgid: number;
  cmdline: string;
  environ: string[];
}

function processInfo(pid: number): ProcessInfo | null {
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

/**
 * Tells the bench worker's Chromium processes from anyone else's (tests may run Chromium on the
 * same machine). Chromium's helpers (zygote, GPU, renderers) drop the environment but keep
 * --user-data-dir, which lies in the worker's TMPDIR; its crashpad handlers keep the environment
 * (the marker) but lead process groups of their own. A zombie has neither, only its process group:
 * so `sample()` often while scans run, to learn the groups.
 */
export function chromiumTracker(stack: Pick<ScanStack, 'marker' | 'workerTmp'>) {
  const groups = new Set<number>();
  const ours = (p: ProcessInfo) => p.cmdline.includes(stack.workerTmp) || p.environ.includes(stack.marker) || groups.has(p.pgid);
  const matching = () => pgrepChromium().map(processInfo).filter((p) => p !== null);
  return {
    /** Our live processes now (and remembers their groups). */
    sample(): number {
      const live = matching().filter((p) => p.state !== 'Z' && ours(p));
      for (const p of live) groups.add(p.pgid);
      return live.length;
    },
    /** pgrep's matches now: all, zombies among them, and ours (live / zombie). */
    census() {
      const all = matching();
      const mine = all.filter(ours);
      return {
        all: all.length,
        zombies: all.filter((p) => p.state === 'Z').length,
        oursLive: mine.filter((p) => p.state !== 'Z').length,
        oursZombie: mine.filter((p) => p.state === 'Z').length,
      };
    },
  };
}

/** Chromium profile directories left in the worker's TMPDIR (withBrowser deletes each one). */
export function leftoverProfiles(workerTmp: string): number {
  return readdirSync(workerTmp).filter((name) => name.startsWith('sitewarden-chromium-')).length;
}

export const TICKS_PER_SECOND = 100; // USER_HZ

export interface CpuSample {
  total: number;
  busy: number;
  processes: number[];
  /** Clock ticks of each PostgreSQL backend serving the bench database, by pid. */
  postgres: Map<number, number>;
}

function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(after[11]) + Number(after[12]); // utime, stime
  } catch {
    return 0;
  }
}

/** The PostgreSQL backends connected to the bench database ("postgres: user db host state"). */
function postgresBackends(): number[] {
  const database = ` ${new URL(DATABASE_URL).pathname.slice(1)} `;
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return cmdline.startsWith('postgres: ') && cmdline.includes(database);
      } catch {
        return false;
      }
    })
    .map(Number);
}

export function sampleCpu(pids: number[]): CpuSample {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = fields[3]! + fields[4]!;
  const total = fields.reduce((a, b) => a + b, 0);
  const postgres = new Map(postgresBackends().map((pid) => [pid, processTicks(pid)]));
  return { total, busy: total - idle, processes: pids.map(processTicks), postgres };
}

/**
 * Each process's share of the machine between two samples, then the bench database's PostgreSQL
 * backends, everything else (other databases' backends, other people's work) and idle, in %.
 */
export function cpuShares(before: CpuSample, after: CpuSample): number[] {
  const total = after.total - before.total;
  const processes = after.processes.map((ticks, i) => ticks - before.processes[i]!);
  let postgres = 0;
  for (const [pid, ticks] of after.postgres) postgres += ticks - (before.postgres.get(pid) ?? 0);
  const rest = after.busy - before.busy - processes.reduce((a, b) => a + b, 0) - postgres;
  const idle = total - (after.busy - before.busy);
  return [...processes, postgres, rest, idle].map((ticks) => (100 * ticks) / total);
}

/** How busy the machine is (all processes, % of all cores) over `windowMs`, and the 1-min load average. */
export async function machineLoad(windowMs = 3_000): Promise<string> {
  const before = sampleCpu([]);
  await sleep(windowMs);
  const after = sampleCpu([]);
  const busy = (100 * (after.busy - before.busy)) / (after.total - before.total);
  return `${busy.toFixed(0)}% busy over ${windowMs / 1000} s, load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`;
}

/** CPU seconds a process used between two samples. */
export const cpuSeconds = (before: CpuSample, after: CpuSample, index: number) =>
  (after.processes[index]! - before.processes[index]!) / TICKS_PER_SECOND;

// ---- numbers and tables -------------------------------------------------------------------------

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

export const ms = (value: number) => value.toFixed(0);
export const fixed = (digits: number) => (value: number) => value.toFixed(digits);

export function printTable(title: string, header: string[], rows: string[][]): void {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  console.log(`\n${title}\n${line(header)}`);
  rows.forEach((row) => console.log(line(row)));
}

/** Runs `task` on `concurrency` lanes until `more()` says stop; resolves when all have settled. */
export async function promisePool(concurrency: number, more: () => boolean, task: (lane: number) => Promise<void>): Promise<void> {
  await Promise.all(
    Array.from({ length: concurrency }, async (_, lane) => {
      while (more()) await task(lane);
    }),
  );
}
