/**
 * What bench/scan-*.ts share beyond bench/support.ts: a Temporal dev server and a real worker
 * process as children, the fixture site served in this process on 127.0.0.1, scans started the
 * way POST …/scans/run starts them (a scan_runs row through Prisma, then startScanWorkflow), the
 * workflow history turned into phases, the worker's Chromium, CPU and memory sampling.
 *
 * Database: sitewarden_bench_scan (ensureDatabase + migrate); each run uses an org of its own.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { createOrg, createProject } from '../src/admin/tenants.ts';
import type { ScanOutcome } from '../src/activities/scan-runs.ts';
import { recordDetections } from '../src/activities/findings-store.ts';
import { createScanRunActivities } from '../src/activities/scan-runs.ts';
import { securityChecks } from '../src/checks/security/index.ts';
import { seoChecks } from '../src/checks/seo/index.ts';
import { runChecks } from '../src/checks/types.ts';
import { SCANNERS, type ScannerName } from '../src/domain/scanners.ts';
import { fetchPageArtifact } from '../src/gather/html-page.ts';
import { createSafeFetcher } from '../src/gather/safe-fetch.ts';
import { gatherSecurityArtifacts, gatherSeoArtifacts } from '../src/gather/site-probes.ts';
import { parseHostAllowlist } from '../src/gather/ssrf/host-allowlist.ts';
import { connectDatabase, type Database, type Db } from '../src/platform/db.ts';
import { PRODUCTION_NODE_FLAGS } from '../src/platform/node-flags.ts';
import { ensureDatabase, migrate } from '../src/platform/migrate.ts';
import { scanWorkflowId, startScanWorkflow } from '../src/services/scan-kickoff.ts';
import { startFixtureSite, type FixtureSite } from '../test/support/fixture-site.ts';
import {
  historyEvents,
  localEnv,
  log,
  MARKER,
  memoryMiB,
  onCleanup,
  processInfo,
  processTicks,
  requireTemporalCli,
  ROOT,
  scriptPid,
  startChild,
  startTemporal,
  temporalClient,
  TICKS_PER_SECOND,
  TSX,
  waitUntil,
  workDir,
  type ActivitySpan,
  type Memory,
  type ProcessInfo,
} from './support.ts';

export const DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/sitewarden_bench_scan';
export const TASK_QUEUE = 'sitewarden-bench-scan';
export const BROWSER_TASK_QUEUE = 'sitewarden-bench-scan-browser';
/** The worker's default DATABASE_POOL_SIZE; in-process work uses the same. */
export const POOL_SIZE = 10;

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
  const temporalCli = requireTemporalCli();

  log(`database sitewarden_bench_scan; starting Temporal and the worker (logs in ${workDir()})`);
  await ensureDatabase(DATABASE_URL);
  await migrate(DATABASE_URL);
  // Closed once the children are gone: the worker shuts down while the fixture site and Temporal still answer it.
  const afterChildren = true;
  const db = connectDatabase(DATABASE_URL, POOL_SIZE);
  onCleanup(() => db.close(), { afterChildren });
  const site = await startFixtureSite();
  onCleanup(() => site.close(), { afterChildren });

  const temporal = await startTemporal(temporalCli);

  // Short: Chromium's SingletonSocket lies four levels below it, and a Unix socket path is at most
  // 107 bytes (below the work dir, Chromium failed with "path too long").
  const workerTmp = mkdtempSync(path.join(tmpdir(), 'swb-'));
  onCleanup(async () => rmSync(workerTmp, { recursive: true, force: true }), { afterChildren: true });
  // PageSpeed Insights would take performance off this machine: local Lighthouse only.
  // BENCH_WORKER=dist: the built worker (`npm run build`), both roles in one process, with the
  // production V8 flags; otherwise src/worker.ts under tsx, as ./scripts/dev runs it.
  const fromDist = process.env.BENCH_WORKER === 'dist';
  if (fromDist && !existsSync(path.join(ROOT, 'dist/workflow-bundle.js'))) throw new Error('BENCH_WORKER=dist: run `npm run build` first');
  // BENCH_WORKER_PROF=<dir>: a V8 CPU profile of the dist worker, written there when it exits.
  const profile = process.env.BENCH_WORKER_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_WORKER_PROF}`] : [];
  // BENCH_WORKER_FLAGS='--flag …': the dist worker's Node/V8 flags in place of the production ones (to compare flags).
  const flags = process.env.BENCH_WORKER_FLAGS !== undefined ? process.env.BENCH_WORKER_FLAGS.split(/\s+/).filter(Boolean) : PRODUCTION_NODE_FLAGS.worker;
  const [command, args] = fromDist ? [process.execPath, [...flags, ...profile, 'dist/worker.js']] : [TSX, ['src/worker.ts']];
  log(`worker: ${fromDist ? `dist/worker.js (node ${flags.join(' ')})` : 'src/worker.ts (tsx)'}`);
  const worker = startChild('worker', command, args, {
    ...localEnv(),
    DATABASE_URL,
    DATABASE_POOL_SIZE: String(POOL_SIZE),
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    TEMPORAL_BROWSER_TASK_QUEUE: BROWSER_TASK_QUEUE,
    SITEWARDEN_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
    LOG_LEVEL: 'warn',
    TMPDIR: workerTmp,
  });

  const client = await temporalClient(temporal.address, { afterChildren });
  await waitUntil('the worker to poll both task queues', 180_000, () => workerPolling(client), 200);

  const org = await createOrg(db.prisma, 'bench-scan');
  const project = await createProject(db.prisma, org.id, 'bench-site');
  return {
    db,
    client,
    site,
    tenant: { orgId: org.id, projectId: project.id },
    newProject: async (slug) => ({ orgId: org.id, projectId: (await createProject(db.prisma, org.id, slug)).id }),
    temporalPid: temporal.pid,
    workerPid: fromDist ? worker.pid! : scriptPid(worker),
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
  await startScanWorkflow(stack.client, TASK_QUEUE, { id, org_id: tenant.orgId, project_id: tenant.projectId, url, trigger: 'manual', scanners: ordered });
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

export interface Timeline {
  workflowStarted: number;
  workflowClosed: number;
  activities: ActivitySpan[];
  /** MarkerRecorded events: the local activities (scanner slot bookkeeping). */
  markers: number;
  workflowTasks: number;
}

/** The scan's workflow history as activity spans (event timestamps, Temporal server's clock). */
export async function scanTimeline(client: Client, scanRunId: string): Promise<Timeline> {
  const { workflowStarted, workflowClosed, activities, markers, workflowTasksCompleted } = await historyEvents(client, scanWorkflowId(scanRunId));
  return { workflowStarted, workflowClosed, activities, markers, workflowTasks: workflowTasksCompleted.length };
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

export interface CpuSample {
  total: number;
  busy: number;
  processes: number[];
  /** Clock ticks of each PostgreSQL backend serving the bench database, by pid. */
  postgres: Map<number, number>;
}

/** Clock ticks of a process, 0 once it is gone. */
const ticksOrZero = (pid: number) => processTicks(pid) || 0;

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
  const postgres = new Map(postgresBackends().map((pid) => [pid, ticksOrZero(pid)]));
  return { total, busy: total - idle, processes: pids.map(ticksOrZero), postgres };
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

export const ms = (value: number) => value.toFixed(0);

/** Runs `task` on `concurrency` lanes until `more()` says stop; resolves when all have settled. */
export async function promisePool(concurrency: number, more: () => boolean, task: (lane: number) => Promise<void>): Promise<void> {
  await Promise.all(
    Array.from({ length: concurrency }, async (_, lane) => {
      while (more()) await task(lane);
    }),
  );
}

// ---- the bare loop ------------------------------------------------------------------------------

/** The light scan's work without Temporal: what the activities do, called directly. */
export function bareLightScan(prisma: Db, url: string) {
  const scanners: ScannerName[] = ['security', 'seo'];
  const fetcher = createSafeFetcher({ allowlist: parseHostAllowlist('127.0.0.1'), timeoutMs: 15_000, maxBytes: 5 * 1024 * 1024 });
  const runs = createScanRunActivities(prisma, { pageSpeedConfigured: false, browserTaskQueue: BROWSER_TASK_QUEUE });

  const scan = async (tenant: Tenant): Promise<{ id: string; findings: number }> => {
    const id = randomUUID();
    const now = new Date();
    await prisma.scanRun.create({
      data: {
        id,
        org_id: tenant.orgId,
        project_id: tenant.projectId,
        url,
        scanners: SCANNERS.filter((s) => scanners.includes(s)),
        status: 'running',
        scanner_status: Object.fromEntries(scanners.map((name) => [name, { status: 'running' }])),
        workflow_id: `bare-${id}`,
        started_at: now,
        inserted_at: now,
      },
    });
    const page = await fetchPageArtifact(fetcher, url);
    const context = { scanRunId: id, orgId: tenant.orgId, projectId: tenant.projectId };
    // Side by side, as the workflow runs the two scanners; the gatherers the activities call.
    const recorded = await Promise.all([
      (async () => {
        const artifacts = await gatherSecurityArtifacts(fetcher, page); // an http:// page: no plain-HTTP twin to probe
        return recordDetections(prisma, context, 'security', page.finalUrl, runChecks(securityChecks, artifacts));
      })(),
      (async () => {
        const artifacts = await gatherSeoArtifacts(fetcher, page); // robots.txt, then the sitemap
        return recordDetections(prisma, context, 'seo', page.finalUrl, runChecks(seoChecks, artifacts));
      })(),
    ]);
    await runs.scoreScanFindings(id);
    const findingIds = recorded.flatMap((r) => r.findingIds);
    const outcome = await runs.finalizeScanRun(id, { security: { status: 'done' }, seo: { status: 'done' } }, findingIds);
    if (outcome.status !== 'completed') throw new Error(`bare scan ${id}: ${outcome.status}`);
    return { id, findings: outcome.findings };
  };
  return { scan, close: () => fetcher.close() };
}
