/**
 * Kickoff latency: POST …/audit/scans/run against the real API and worker processes, a Temporal
 * dev server (in memory) and PostgreSQL (database sitewarden_bench, recreated on every run).
 *
 * To show where the time goes it also measures a cheap authenticated read, the CPU each process
 * used meanwhile, every phase once more with the worker paused (SIGSTOP: the kickoffs still
 * succeed, their scans wait), and the kickoff's parts timed in-process.
 *
 *   source scripts/lib.sh && ensure_node && ensure_temporal
 *   node_modules/.bin/tsx bench/kickoff-latency.ts
 *
 * Results go to stdout, progress to stderr, the children's output to log files (kept if the run
 * fails). Linux only (/proc).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type net from 'node:net';
import { availableParallelism } from 'node:os';
import type { Client } from '@temporalio/client';
import { RateLimiterPostgres } from 'rate-limiter-flexible';
import { Pool, type Dispatcher } from 'undici';
import { createKey, createOrg, createProject } from '../src/admin/tenants.ts';
import { orderNewestFirst } from '../src/api/pagination.ts';
import { hashApiKey } from '../src/domain/api-keys.ts';
import { createServer } from 'node:http';
import { connectDatabase, type Database, type Db } from '../src/platform/db.ts';
import { createTemporalClient } from '../src/platform/temporal.ts';
import type { ScanWorkflow } from '../src/workflows/scan.ts';
import {
  fixed,
  measure,
  printTable,
  processTicks,
  recreateDatabase,
  requireTemporalCli,
  rssMiB,
  runBench,
  signalGroup,
  startStack,
  TICKS_PER_SECOND,
  workDir,
} from './support.ts';

const DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/sitewarden_bench';
const TASK_QUEUE = 'sitewarden-bench';
/** A queue no worker polls: workflow.start on its own. */
const UNPOLLED_QUEUE = 'sitewarden-bench-unpolled';
const POOL_SIZE = 10; // the API's DATABASE_POOL_SIZE default, also used in-process
const CORES = availableParallelism();

const WARMUP = 50;
const SERIAL = 300;
const CLIENTS = 50;
const PER_CLIENT = 20;
const PART_SERIAL = 200;
const PART_PER_CLIENT = 10;

// ---- /proc --------------------------------------------------------------------------------------

interface CpuSample {
  processes: number[];
  busy: number;
  total: number;
}

function sampleCpu(pids: number[]): CpuSample {
  const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  return { processes: pids.map(processTicks), busy: total - ticks[3]! - ticks[4]!, total }; // minus idle, iowait
}

/** Each process's share of the whole machine between two samples, then the rest and idle, in %. */
function cpuShares(before: CpuSample, after: CpuSample): number[] {
  const total = after.total - before.total;
  const processes = after.processes.map((ticks, i) => ticks - before.processes[i]!);
  const rest = after.busy - before.busy - processes.reduce((a, b) => a + b, 0);
  const idle = total - (after.busy - before.busy);
  return [...processes, rest, idle].map((ticks) => (100 * ticks) / total);
}

// ---- measuring ----------------------------------------------------------------------------------

async function expectStatus(http: Pool, request: Dispatcher.RequestOptions, status: number): Promise<void> {
  const res = await http.request(request);
  const text = await res.body.text();
  if (res.statusCode !== status) {
    throw new Error(`${request.method} ${request.path} answered ${res.statusCode}, expected ${status}: ${text.slice(0, 300)}`);
  }
}

interface Tenant {
  org_id: string;
  project_id: string;
}

function pendingScans(prisma: Db, tenant: Tenant): Promise<number> {
  return prisma.scanRun.count({ where: { ...tenant, status: { in: ['queued', 'running'] } } });
}

/** What a kickoff does, step by step, as the API does it; the rows it writes go to `tenant`. */
function kickoffParts(db: Database, temporal: Client, key: string, tenant: Tenant) {
  const { prisma } = db;
  const limiter = new RateLimiterPostgres({
    storeClient: db.pool,
    tableName: 'rate_limits',
    tableCreated: true,
    clearExpiredByTimeout: false,
    keyPrefix: 'bench',
    points: 1_000_000,
    duration: 60,
  });
  const keyFields = { id: true, org_id: true, scopes: true, expires_at: true, revoked_at: true, last_used_at: true };
  const lookupKey = () => prisma.apiKey.findUnique({ where: { key_hash: hashApiKey(key) }, select: keyFields });
  const consume = () => limiter.consume(tenant.org_id);
  const lookupProject = () =>
    prisma.project.findUnique({ where: { org_id_id: { org_id: tenant.org_id, id: tenant.project_id } }, select: { id: true } });
  const listQuery = () =>
    Promise.all([
      prisma.scanRun.findMany({ where: tenant, orderBy: orderNewestFirst('inserted_at'), take: 2 }),
      prisma.scanRun.count({ where: tenant }),
    ]);
  const createRun = () => {
    const id = randomUUID();
    const now = new Date();
    const slots = Object.fromEntries(LIGHT_SCANNERS.map((name) => [name, { status: 'pending' }]));
    const request = { url: targetUrl, trigger: 'manual' as const, scanners: [...LIGHT_SCANNERS] };
    const state = { status: 'queued' as const, scanner_status: slots, workflow_id: `scan-${id}`, started_at: now, inserted_at: now };
    return prisma.scanRun.create({ data: { id, ...tenant, ...request, ...state } });
  };
  const start = (scanRunId: string) =>
    temporal.workflow.start<typeof ScanWorkflow>('ScanWorkflow', {
      taskQueue: UNPOLLED_QUEUE,
      workflowId: `scan-${scanRunId}`,
      args: [{ scanRunId }],
    });
  const wholeKickoff = async () => {
    await lookupKey();
    await consume();
    await lookupProject();
    await consume();
    await start((await createRun()).id);
  };
  return { lookupKey, consume, lookupProject, listQuery, createRun, startWorkflow: () => start(randomUUID()), wholeKickoff };
}

// ---- printing -----------------------------------------------------------------------------------

const ms = fixed(1);

// ---- the run ------------------------------------------------------------------------------------

/** Scans target a page served here on 127.0.0.1 (allowlisted): the worker never leaves the machine. */
const LIGHT_SCANNERS = ['security', 'seo'] as const;
let targetUrl = '';

async function serveTargetPage(): Promise<string> {
  const html = '<!doctype html><html lang="en"><head><title>Bench target page</title></head><body><h1>Bench</h1></body></html>';
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/`;
}

async function main(): Promise<void> {
  const temporalCli = requireTemporalCli();

  console.error(`recreating database sitewarden_bench; starting Temporal, the API and the worker (logs in ${workDir()})`);
  await recreateDatabase(DATABASE_URL);
  targetUrl = await serveTargetPage();
  const stack = await startStack(temporalCli, {
    DATABASE_URL,
    DATABASE_POOL_SIZE: String(POOL_SIZE),
    TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_DEFAULT_MAX: '1000000',
    RATE_LIMIT_STRICT_MAX: '1000000',
    SITEWARDEN_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
  });
  const db = connectDatabase(DATABASE_URL, POOL_SIZE);
  const { prisma } = db;
  const temporal = createTemporalClient({ TEMPORAL_ADDRESS: stack.address, TEMPORAL_NAMESPACE: 'default' });
  const { apiPid, workerPid } = stack;
  const idleRss = [rssMiB(apiPid), rssMiB(workerPid)];

  const org = await createOrg(prisma, 'bench');
  const project = await createProject(prisma, org.id, 'bench-site');
  const { key } = await createKey(prisma, { orgId: org.id, scopes: ['audit:write'] });
  const tenant = { org_id: org.id, project_id: project.id };

  const http = new Pool(stack.baseUrl, { connections: CLIENTS });
  const audit = `/api/v1/orgs/${org.id}/projects/${project.id}/audit`;
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const body = JSON.stringify({ url: targetUrl, scanners: LIGHT_SCANNERS });
  const post = () => expectStatus(http, { method: 'POST', path: `${audit}/scans/run`, headers, body }, 202);
  const get = () => expectStatus(http, { method: 'GET', path: `${audit}/scans?limit=1`, headers }, 200);

  console.error(`warming up: ${WARMUP} kickoffs, ${WARMUP} reads`);
  await measure(1, WARMUP, post);
  await measure(1, WARMUP, get);

  const latencyRows: string[][] = [];
  const cpuRows: string[][] = [];
  const httpP50 = new Map<string, number>();
  const watched = [apiPid, workerPid, stack.temporalPid, process.pid];
  for (const worker of ['running', 'paused']) {
    if (worker === 'paused') signalGroup(stack.worker, 'SIGSTOP');
    for (const clients of [1, CLIENTS]) {
      for (const [label, op] of [['POST scans/run', post], ['GET scans?limit=1', get]] as const) {
        console.error(`measuring ${label}, ${clients} client(s), worker ${worker}`);
        const before = sampleCpu(watched);
        const stats = await measure(clients, clients === 1 ? SERIAL : PER_CLIENT, op);
        const after = sampleCpu(watched);
        httpP50.set(`${label} ${clients} ${worker}`, stats.p50);
        const phase = [label, String(clients), worker];
        const latencies = [stats.p50, stats.p90, stats.p99, stats.max].map(ms);
        const pending = await pendingScans(prisma, tenant);
        latencyRows.push([...phase, String(stats.n), ...latencies, stats.perSecond.toFixed(0), String(pending)]);
        const apiCpuMs = ((after.processes[0]! - before.processes[0]!) * 1000) / TICKS_PER_SECOND / stats.n;
        cpuRows.push([...phase, ...cpuShares(before, after).map(fixed(0)), ms(apiCpuMs)]);
      }
    }
  }
  const loadedRss = [rssMiB(apiPid), rssMiB(workerPid)];

  console.error('timing the kickoff parts in-process, worker still paused');
  const partsProject = await createProject(prisma, org.id, 'bench-parts');
  const parts = kickoffParts(db, temporal, key, { org_id: org.id, project_id: partsProject.id });
  const partList: [string, () => Promise<unknown>][] = [
    ['api-key lookup (findUnique)', parts.lookupKey],
    ['rate-limit consume (1 bucket)', parts.consume],
    ['project lookup (findUnique)', parts.lookupProject],
    ['GET list query (findMany + count)', parts.listQuery],
    ['scanRun.create', parts.createRun],
    ['workflow.start', parts.startWorkflow],
    ['all of a kickoff, in sequence', parts.wholeKickoff],
  ];
  const partP50 = new Map<() => Promise<unknown>, number>();
  const partRows: string[][] = [];
  for (const [label, op] of partList) {
    const serial = await measure(1, PART_SERIAL, op);
    const loaded = await measure(CLIENTS, PART_PER_CLIENT, op);
    partP50.set(op, serial.p50);
    partRows.push([label, ms(serial.p50), ms(serial.p99), ms(loaded.p50), ms(loaded.p99), loaded.perSecond.toFixed(0)]);
  }

  const p50 = (op: () => Promise<unknown>) => partP50.get(op)!;
  const common = p50(parts.lookupKey) + p50(parts.consume) + p50(parts.lookupProject);
  const postParts = common + p50(parts.consume) + p50(parts.createRun) + p50(parts.startWorkflow);
  const getParts = common + p50(parts.listQuery);
  const accounting = (label: string, request: string, sum: number) => {
    const [paused, running] = [httpP50.get(`${request} 1 paused`)!, httpP50.get(`${request} 1 running`)!];
    return [label, ms(sum), ms(paused), ms(paused - sum), ms(running), ms(running - paused)];
  };

  console.log(`\nkickoff-latency: node ${process.version}, ${CORES} cores, pool ${POOL_SIZE} (API and in-process), LOG_LEVEL=warn`);
  printTable(
    'HTTP latency, client-side ms (undici, keep-alive); pending = scans queued or running after the phase',
    ['request', 'clients', 'worker', 'n', 'p50', 'p90', 'p99', 'max', 'req/s', 'pending'],
    latencyRows,
  );
  printTable(
    `CPU during each phase, % of the machine (${CORES} cores = 100); other = PostgreSQL and everything else`,
    ['request', 'clients', 'worker', 'api', 'worker', 'temporal', 'bench', 'other', 'idle', 'api CPU ms/req'],
    cpuRows,
  );
  printTable(
    `Kickoff parts in-process (this process → same PostgreSQL/Temporal, worker paused), ms; ` +
      `1 client × ${PART_SERIAL}, ${CLIENTS} clients × ${PART_PER_CLIENT}`,
    ['part', 'c=1 p50', 'c=1 p99', `c=${CLIENTS} p50`, `c=${CLIENTS} p99`, `c=${CLIENTS} ops/s`],
    partRows,
  );
  printTable(
    'Accounting at c=1, p50 ms: the parts summed; HTTP with the worker paused; the rest of that (HTTP, Express, JSON, logs);\n' +
      'HTTP with the worker running; what the running worker adds',
    ['request', 'parts', 'paused', 'rest', 'running', 'worker adds'],
    [
      accounting('POST = key + 2 buckets + project + create + start', 'POST scans/run', postParts),
      accounting('GET = key + 1 bucket + project + list query', 'GET scans?limit=1', getParts),
    ],
  );
  printTable(
    'RSS, MiB (VmRSS of the node process running the script, not its tsx wrapper)',
    ['process', 'idle after start', 'after the HTTP load'],
    [
      ['api', idleRss[0]!.toFixed(1), loadedRss[0]!.toFixed(1)],
      ['worker', idleRss[1]!.toFixed(1), loadedRss[1]!.toFixed(1)],
    ],
  );

  await http.close();
  await temporal.connection.close();
  await db.close();
}

runBench('kickoff', main);
