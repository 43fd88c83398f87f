/**
 * Remediation latency against the real API and worker processes, a Temporal dev server (in memory)
 * and PostgreSQL (database sitewarden_bench_remediation, recreated on every run):
 *
 *   1. POST verifications/run → settled result, for security_header_csp (six check functions) on a
 *      page served here, next to one safe fetch of that page; the workflow history's split.
 *   2. approve / reopen at 1 and 20 concurrent clients, with the workflow-side split.
 *   3. GET tasks and GET findings with 10 000 findings and 10 000 tasks in the project, at 1 and 10
 *      clients, and EXPLAIN (ANALYZE, BUFFERS) of the SQL Prisma sends for them.
 *
 *   cd /work/main && source scripts/lib.sh && ensure_node && ensure_temporal
 *   node_modules/.bin/tsx bench/remediation-latency.ts [--no-lists]   (--no-lists: sections 1 and 2 only)
 *   BENCH_PROF=/tmp/prof …   V8 CPU profiles of the API and the worker, and the bursts' windows:
 *   node_modules/.bin/tsx bench/cpu-profile-summary.ts /tmp/prof/windows.json /tmp/prof/worker/*.cpuprofile --label approve --per 20
 *
 * Results go to stdout, progress to stderr, the children's output to log files (kept if the run
 * fails). Linux only (/proc). Takes about 4–6 minutes on 2 cores.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type net from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { Pool } from 'undici';
import { createKey, createOrg, createProject } from '../src/admin/tenants.ts';
import { orderNewestFirst } from '../src/api/pagination.ts';
import { securityChecks } from '../src/checks/security/index.ts';
import { runChecks } from '../src/checks/types.ts';
import { judgeKey } from '../src/domain/verification.ts';
import { fetchPageArtifact } from '../src/gather/html-page.ts';
import { createSafeFetcher } from '../src/gather/safe-fetch.ts';
import { gatherSecurityArtifacts } from '../src/gather/site-probes.ts';
import { parseHostAllowlist } from '../src/gather/ssrf/host-allowlist.ts';
import { PrismaClient, type Prisma } from '../src/generated/prisma/client.ts';
import type { FindingDomain, FindingStatus, Severity, TaskPriority, TaskStatus } from '../src/generated/prisma/enums.ts';
import { connectDatabase } from '../src/platform/db.ts';
import { approveVerification, reopenVerification } from '../src/services/verification-decisions.ts';
import {
  cpuMs,
  threadCpuDelta,
  threadCpuMs,
  historyEvents,
  idleRates,
  log,
  measure,
  onCleanup,
  printTable,
  recreateDatabase,
  requireTemporalCli,
  runBench,
  startStack,
  stats,
  waitUntil,
  type HistoryEvents,
} from './support.ts';

const DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/sitewarden_bench_remediation';
const TASK_QUEUE = 'sitewarden-bench-remediation';
const POOL_SIZE = 10; // the processes' DATABASE_POOL_SIZE default, also used in-process
const CORES = availableParallelism();

const PROJECTS = 10; // one scanned page each: /p1 … /p10 (findings are keyed by title per project)
const CSP_KEY = 'security_header_csp';

/** Nearest-rank (the lower of the two middle values). */
const median = (values: number[]) => stats(values).p50;
const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '–');
const VERIFY_WARMUP = 2;
const POLL_MS = 10;
const FETCH_SAMPLES = 30;
const DECISION_WARMUP = 3;
const DECISION_SERIAL = 10;
const DECISION_CLIENTS = 20;
const BULK = 10_000; // findings and tasks in the listed project (and as many in another org)
const LIST_SERIAL = 50;
const LIST_CLIENTS = 10;
const LIST_PER_CLIENT = 15;

// ---- the page ------------------------------------------------------------------------------------

/** After the first scans the page sends these: every security finding of the bare page passes. */
const STRICT_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};

interface Site {
  origin: string;
  strict: boolean;
  hits: number;
  bytes: number;
}

async function servePage(): Promise<Site> {
  const paragraphs = Array.from({ length: 40 }, (_, i) =>
    `<p>Section ${i}: remediation notes for the audit page, with a <a href="/p${(i % 10) + 1}">link</a> and some ordinary text to give the page a realistic weight.</p>`,
  ).join('\n');
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Bench target page</title>` +
    `<meta name="viewport" content="width=device-width"></head><body><h1>Bench</h1>${paragraphs}</body></html>`;
  const site: Site = { origin: '', strict: false, hits: 0, bytes: Buffer.byteLength(html) };
  const server = createServer((_req, res) => {
    site.hits++;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...(site.strict ? STRICT_HEADERS : {}) }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  site.origin = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return site;
}

// ---- HTTP ---------------------------------------------------------------------------------------

interface Reply {
  status: number;
  body: any;
}

function apiClient(baseUrl: string, key: string) {
  const pool = new Pool(baseUrl, { connections: 64 });
  onCleanup(() => pool.close());
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  return async function call(method: 'GET' | 'POST', path: string, body?: unknown, expect?: number): Promise<Reply> {
    const res = await pool.request({ method, path, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.body.text();
    const reply = { status: res.statusCode, body: text ? JSON.parse(text) : null };
    if (expect !== undefined && reply.status !== expect) throw new Error(`${method} ${path} answered ${reply.status}, expected ${expect}: ${text.slice(0, 400)}`);
    return reply;
  };
}

// ---- a seeded PRNG for the bulk rows --------------------------------------------------------------

function mulberry32(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function weighted<T extends string>(random: () => number, table: [T, number][]): T {
  let r = random() * table.reduce((sum, [, w]) => sum + w, 0);
  for (const [value, weight] of table) if ((r -= weight) < 0) return value;
  return table.at(-1)![0];
}

const DOMAINS: [FindingDomain, number][] = [['security', 30], ['accessibility', 30], ['performance', 25], ['seo', 15]];
const SEVERITIES: [Severity, number][] = [['critical', 5], ['high', 20], ['medium', 40], ['low', 35]];
const FINDING_STATUSES: [FindingStatus, number][] = [['new', 35], ['triaged', 20], ['in_progress', 15], ['ready_verify', 5], ['resolved', 20], ['dismissed', 5]];
const TASK_STATUSES: [TaskStatus, number][] = [['backlog', 40], ['in_progress', 20], ['blocked', 5], ['ready_verify', 5], ['done', 30]];
const PRIORITY_RANGE: Record<Severity, [number, number]> = { critical: [80, 100], high: [60, 85], medium: [35, 65], low: [5, 40] };
const TASK_PRIORITY: Record<Severity, TaskPriority> = { critical: 'critical', high: 'high', medium: 'medium', low: 'low' };

async function bulkInsert(prisma: PrismaClient, orgId: string, projectId: string, n: number, seed: number): Promise<void> {
  const random = mulberry32(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const now = Date.now();
  const DAY = 86_400_000;
  const findings: Prisma.FindingCreateManyInput[] = [];
  const tasks: Prisma.TaskCreateManyInput[] = [];
  for (let i = 0; i < n; i++) {
    const domain = weighted(random, DOMAINS);
    const severity = weighted(random, SEVERITIES);
    const [lo, hi] = PRIORITY_RANGE[severity];
    const insertedAt = new Date(now - Math.floor(random() * 180 * DAY));
    const check = int(1, 60);
    const url = `https://www.example.com/section-${int(1, 40)}/page-${int(1, 500)}`;
    const id = randomUUID();
    findings.push({
      id,
      org_id: orgId,
      project_id: projectId,
      domain,
      check_id: `${domain}.check_${check}`,
      title: `${domain} check ${check} on item ${i}`,
      description: `The ${domain} check ${check} found an issue on ${url}. `.repeat(3),
      severity,
      status: weighted(random, FINDING_STATUSES),
      confidence: 0.5 + random() / 2,
      impact_score: int(1, 5),
      effort_score: int(1, 5),
      risk_score: int(1, 5),
      priority_score: int(lo, hi),
      recommended_fix: { summary: `Fix ${domain} check ${check}`, steps: ['Find the template that renders it.', 'Change it.', 'Deploy and verify.'] },
      evidence: { check_severity: severity, url, detail: `observed value ${int(0, 99_999)}`, samples: [url, `${url}?ref=${i}`] },
      affected_assets: [{ type: 'url', value: url }],
      verification_key: `${domain}_check_${check}`,
      inserted_at: insertedAt,
      updated_at: new Date(insertedAt.getTime() + Math.floor(random() * (now - insertedAt.getTime()))),
    });
    const createdAt = new Date(Math.min(now, insertedAt.getTime() + Math.floor(random() * 7 * DAY)));
    tasks.push({
      org_id: orgId,
      project_id: projectId,
      finding_id: id,
      title: `Fix ${domain} check ${check} on item ${i}`,
      status: weighted(random, TASK_STATUSES),
      priority: TASK_PRIORITY[severity],
      sla_due_at: new Date(createdAt.getTime() + int(1, 14) * DAY),
      created_at: createdAt,
      updated_at: createdAt,
    });
  }
  for (let i = 0; i < n; i += 2_000) await prisma.finding.createMany({ data: findings.slice(i, i + 2_000) });
  for (let i = 0; i < n; i += 2_000) await prisma.task.createMany({ data: tasks.slice(i, i + 2_000) });
}

// ---- EXPLAIN -------------------------------------------------------------------------------------

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Filter?: string;
  'Rows Removed by Filter'?: number;
  'Sort Key'?: string[];
  'Heap Fetches'?: number;
  'Actual Rows': number;
  'Shared Hit Blocks': number;
  'Shared Read Blocks': number;
  Plans?: PlanNode[];
}

function walk(node: PlanNode, visit: (node: PlanNode) => void): void {
  visit(node);
  node.Plans?.forEach((child) => walk(child, visit));
}

/** Short names for the schema's indexes (PostgreSQL truncates Prisma's long names). */
const shortIndex = (name: string) => name.replace(/_org_id_project_id_/, '(org,proj)_').replace(/_idx$/, '');
const columnsIn = (expr = '') => [...new Set([...expr.matchAll(/\b(severity|status|domain|priority_score|inserted_at|created_at)\b/g)].map((m) => m[1]!))];

interface PlanSummary {
  chain: string;
  indexes: string;
  heapFilter: string;
  sort: string;
  execMs: number;
  buffers: string;
  indexServed: boolean;
}

function summarisePlan(plan: { Plan: PlanNode; 'Execution Time': number }): PlanSummary {
  const nodes: PlanNode[] = [];
  walk(plan.Plan, (node) => nodes.push(node));
  const chain = nodes
    .map((node) => (node['Index Name'] ? `${node['Node Type']}` : node['Relation Name'] ? `${node['Node Type']} ${node['Relation Name']}` : node['Node Type']))
    .join(' › ');
  const indexes = [...new Set(nodes.flatMap((node) => (node['Index Name'] ? [shortIndex(node['Index Name'])] : [])))];
  const filtered = nodes.filter((node) => node.Filter && (node['Relation Name'] || node['Index Name']));
  const heapFilter = filtered
    .map((node) => `${columnsIn(node.Filter).join('+') || node.Filter} (−${node['Rows Removed by Filter'] ?? 0})`)
    .join(', ');
  const sorts = nodes.filter((node) => node['Node Type'] === 'Sort' || node['Node Type'] === 'Incremental Sort');
  const seq = nodes.some((node) => node['Node Type'] === 'Seq Scan');
  const heapFetches = nodes.reduce((sum, node) => sum + (node['Heap Fetches'] ?? 0), 0);
  const top = plan.Plan;
  return {
    chain,
    indexes: indexes.join(', ') || '—',
    heapFilter: heapFilter || (heapFetches ? `— (heap fetches ${heapFetches})` : '—'),
    sort: sorts.map((node) => node['Node Type']).join('+') || '—',
    execMs: plan['Execution Time'],
    buffers: `${top['Shared Hit Blocks']}/${top['Shared Read Blocks']}`,
    indexServed: !seq && sorts.length === 0 && filtered.length === 0,
  };
}

// ---- the run ------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const temporalCli = requireTemporalCli();
  const began = performance.now();
  const loadBefore = loadavg()[0]!;

  log('recreating database sitewarden_bench_remediation; starting Temporal, the API and the worker');
  await recreateDatabase(DATABASE_URL);
  const site = await servePage();
  const stack = await startStack(temporalCli, {
    DATABASE_URL,
    DATABASE_POOL_SIZE: String(POOL_SIZE),
    TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    TEMPORAL_BROWSER_TASK_QUEUE: `${TASK_QUEUE}-browser`,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_DEFAULT_MAX: '100000000',
    RATE_LIMIT_STRICT_MAX: '100000000',
    SITEWARDEN_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
    VERIFICATION_DECISION_WINDOW_SECONDS: String(30 * 24 * 3600),
  });
  const { temporal } = stack;
  const db = connectDatabase(DATABASE_URL, POOL_SIZE);
  onCleanup(() => db.close());
  const { prisma } = db;

  const org = await createOrg(prisma, 'bench-remediation');
  const { key } = await createKey(prisma, { orgId: org.id, scopes: ['audit:read', 'audit:write'] });
  const call = apiClient(stack.baseUrl, key);
  const projects = await Promise.all(Array.from({ length: PROJECTS }, (_, i) => createProject(prisma, org.id, `site-${i + 1}`)));
  const audit = (projectId: string) => `/api/v1/orgs/${org.id}/projects/${projectId}/audit`;

  // ---- fixtures: one real security scan per project, a task per finding --------------------------
  log(`scanning ${PROJECTS} pages (/p1 … /p${PROJECTS}, one project each) with the security scanner`);
  await Promise.all(
    projects.map(async (project, i) => {
      const kickoff = await call('POST', `${audit(project.id)}/scans/run`, { url: `${site.origin}/p${i + 1}`, scanners: ['security'] }, 202);
      await temporal.workflow.getHandle(kickoff.body.data.workflow_id).result();
      const run = await call('GET', `${audit(project.id)}/scans/${kickoff.body.data.id}`, undefined, 200);
      if (run.body.data.status !== 'completed') throw new Error(`scan ${kickoff.body.data.id}: ${JSON.stringify(run.body.data)}`);
    }),
  );
  const scanned = await prisma.finding.findMany({ where: { org_id: org.id }, orderBy: [{ project_id: 'asc' }, { check_id: 'asc' }] });
  const cspFindings = scanned.filter((f) => f.verification_key === CSP_KEY);
  if (cspFindings.length !== PROJECTS) throw new Error(`expected ${PROJECTS} CSP findings, got ${cspFindings.length}`);
  const taskOf = new Map<string, { taskId: string; projectId: string }>();
  for (const finding of scanned) {
    const task = await call('POST', `${audit(finding.project_id)}/tasks`, { finding_id: finding.id }, 201);
    taskOf.set(finding.id, { taskId: task.body.data.id, projectId: finding.project_id });
  }
  const otherTasks = scanned.filter((f) => f.verification_key !== CSP_KEY).map((f) => taskOf.get(f.id)!);
  log(`${scanned.length} findings (${[...new Set(scanned.map((f) => f.verification_key))].join(', ')}), one task each; the page now sends a strict CSP and the other headers`);
  site.strict = true;

  // ---- 1. POST verifications/run → settled -------------------------------------------------------
  interface VerifyRun {
    id: string;
    workflowId: string;
    result: string;
    postMs: number;
    settleMs: number;
    totalMs: number;
    createdAt: number;
    resultWrittenAt: number;
    seenAt: number;
    pageFetches: number;
    polls: number;
  }
  async function verify(task: { taskId: string; projectId: string }): Promise<VerifyRun> {
    const hits = site.hits;
    const t0 = performance.now();
    const started = await call('POST', `${audit(task.projectId)}/verifications/run`, { task_id: task.taskId }, 202);
    const t1 = performance.now();
    const id: string = started.body.data.id;
    let row = started.body.data;
    let polls = 0;
    while (row.result === 'pending') {
      const tp = performance.now();
      row = (await call('GET', `${audit(task.projectId)}/verifications/${id}`, undefined, 200)).body.data;
      polls++;
      if (row.result === 'pending') await sleep(Math.max(0, POLL_MS - (performance.now() - tp)));
    }
    const t2 = performance.now();
    return {
      id,
      workflowId: row.workflow_id,
      result: row.result,
      postMs: t1 - t0,
      settleMs: t2 - t1,
      totalMs: t2 - t0,
      createdAt: Date.parse(row.created_at),
      resultWrittenAt: Date.parse(row.updated_at),
      seenAt: Date.now(),
      pageFetches: site.hits - hits,
      polls,
    };
  }

  const warmups = otherTasks.slice(0, VERIFY_WARMUP);
  log(`1. verifications: ${VERIFY_WARMUP} warm-up runs, then ${PROJECTS} on the CSP findings, one after the other`);
  for (const task of warmups) await verify(task);
  const cpu0 = [cpuMs(stack.apiPid), cpuMs(stack.workerPid), cpuMs(stack.temporalPid)];
  const runs: VerifyRun[] = [];
  for (const finding of cspFindings) runs.push(await verify(taskOf.get(finding.id)!));
  const cpu1 = [cpuMs(stack.apiPid), cpuMs(stack.workerPid), cpuMs(stack.temporalPid)];
  if (runs.some((r) => r.result !== 'passed')) throw new Error(`a CSP verification did not pass: ${JSON.stringify(runs.map((r) => r.result))}`);

  const histories: HistoryEvents[] = [];
  for (const run of runs) {
    let events!: HistoryEvents;
    await waitUntil('the evaluation to be recorded in the history', 10_000, async () => {
      events = await historyEvents(temporal, run.workflowId);
      // Local activities (the plan, an HTTP-only evaluation) are markers; a browser evaluation an activity.
      return events.markers >= 2 || events.activities.some((a) => a.name === 'evaluateVerification' && Number.isFinite(a.closed));
    });
    histories.push(events);
  }

  // In-process references: the same page, this process, the fetcher the worker builds.
  log('1. in-process references: safe fetch of the page, fetch + checks, the evaluate body');
  const allowlist = parseHostAllowlist('127.0.0.1');
  const pageUrl = `${site.origin}/p1`;
  const warm = createSafeFetcher({ allowlist });
  onCleanup(() => warm.close());
  for (let i = 0; i < 5; i++) await warm.fetchPage(pageUrl);
  const fetchWarm = await measure(1, FETCH_SAMPLES, () => warm.fetchPage(pageUrl));
  const fetchCold = await measure(1, FETCH_SAMPLES, async () => {
    const fetcher = createSafeFetcher({ allowlist });
    await fetcher.fetchPage(pageUrl);
    await fetcher.close();
  });
  const fetchAndCheck = await measure(1, FETCH_SAMPLES, async () => {
    const fresh = runChecks(securityChecks, await gatherSecurityArtifacts(warm, await fetchPageArtifact(warm, pageUrl)));
    if (!judgeKey(CSP_KEY, 'security.csp_missing', fresh).passed) throw new Error('the strict page fails CSP in-process');
  });
  const replayId = runs.at(-1)!.id;
  const evaluateBody = await measure(1, FETCH_SAMPLES, async () => {
    const v = await prisma.verification.findUniqueOrThrow({ where: { id: replayId } });
    const f = await prisma.finding.findUniqueOrThrow({ where: { id: v.finding_id } });
    const urls = (f.affected_assets as Array<{ value: string }>).map((a) => a.value);
    for (const url of urls) {
      const fresh = runChecks(securityChecks, await gatherSecurityArtifacts(warm, await fetchPageArtifact(warm, url)));
      judgeKey(CSP_KEY, f.check_id, fresh);
    }
    await prisma.verification.update({ where: { id: replayId }, data: { checks: v.checks as Prisma.InputJsonValue } });
    await prisma.verification.updateMany({ where: { id: replayId, result: 'pending' }, data: { result: 'passed' } });
  });

  // ---- 2. approve / reopen --------------------------------------------------------------------------
  log(`2. preparing passed verifications: ${otherTasks.length - VERIFY_WARMUP} more runs, side by side`);
  await Promise.all(otherTasks.slice(VERIFY_WARMUP).map((task) => call('POST', `${audit(task.projectId)}/verifications/run`, { task_id: task.taskId }, 202)));
  await waitUntil('the verifications to settle', 120_000, async () => (await prisma.verification.count({ where: { org_id: org.id, result: 'pending' } })) === 0, 200);
  const passed = await prisma.verification.findMany({ where: { org_id: org.id, result: 'passed' }, orderBy: { created_at: 'asc' } });
  const needed = DECISION_WARMUP + DECISION_SERIAL + DECISION_CLIENTS;
  if (passed.length < needed) throw new Error(`only ${passed.length} passed verifications, ${needed} needed`);
  log(`2. ${passed.length} passed verifications; ${DECISION_SERIAL} approve + reopen from 1 client, then ${DECISION_CLIENTS} concurrent approves, then ${DECISION_CLIENTS} concurrent reopens`);

  const decide = async (decision: 'approve' | 'reopen', v: { id: string; project_id: string }) => {
    const t0 = performance.now();
    await call('POST', `${audit(v.project_id)}/verifications/${v.id}/${decision}`, {}, 200);
    return performance.now() - t0;
  };
  const pool = [...passed];
  const take = (n: number) => pool.splice(0, n);
  for (const v of take(DECISION_WARMUP)) {
    await decide('approve', v);
    await decide('reopen', v);
  }
  const serialSet = take(DECISION_SERIAL);
  const serialApprove: number[] = [];
  for (const v of serialSet) serialApprove.push(await decide('approve', v));
  const serialReopen: number[] = [];
  for (const v of serialSet) serialReopen.push(await decide('reopen', v));
  const concurrentSet = take(DECISION_CLIENTS);
  // CPU of each process over a burst, per decision: what a burst of 20 costs the machine. With
  // every process's CPU added and divided by the cores, it is the least time the burst can take.
  // Read twice: at the last answer, and once the processes are quiet again (the worker completes
  // its workflow task after the notice, a reopen's outbox events start notification workflows),
  // less what they spend idle over as long. Each burst starts from quiet, so no tail is counted twice.
  const postgresPids = async () =>
    (await db.pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()')).rows.map((r) => r.pid);
  const cpuSnapshot = async () => {
    const pgPids = await postgresPids();
    return { procs: [cpuMs(stack.apiPid), cpuMs(stack.workerPid), cpuMs(stack.temporalPid)], threads: threadCpuMs(stack.workerPid), pg: new Map(pgPids.map((pid) => [pid, cpuMs(pid)])), at: performance.now() };
  };
  type Snapshot = Awaited<ReturnType<typeof cpuSnapshot>>;
  const pgDelta = (a: Snapshot, b: Snapshot) => [...b.pg].reduce((sum, [pid, ms]) => sum + (a.pg.has(pid) && Number.isFinite(ms) ? ms - a.pg.get(pid)! : 0), 0);
  /** The three processes' idle rates, ms CPU per ms, once they are quiet (idleRates). */
  const quiet = async () =>
    // A V8 profiler samples all the time (BENCH_PROF): never quiet; a fixed wait instead, no idle rate.
    process.env.BENCH_PROF ? sleep(3_000).then(() => [0, 0, 0]) : idleRates([stack.apiPid, stack.workerPid, stack.temporalPid]);
  const windows: { label: string; startUs: string; endUs: string }[] = [];
  async function burst(decision: 'approve' | 'reopen', set: typeof concurrentSet) {
    const idle = await quiet();
    const before = await cpuSnapshot();
    const startUs = process.hrtime.bigint() / 1000n;
    const latencies = await Promise.all(set.map((v) => decide(decision, v)));
    const answered = await cpuSnapshot();
    await quiet();
    const settled = await cpuSnapshot();
    windows.push({ label: decision, startUs: String(startUs), endUs: String(process.hrtime.bigint() / 1000n) });
    const per = (a: Snapshot, b: Snapshot) => a.procs.map((x, i) => (b.procs[i]! - x - idle[i]! * (b.at - a.at)) / set.length);
    return {
      latencies,
      atAnswer: per(before, answered),
      settled: per(before, settled),
      postgres: pgDelta(before, settled) / set.length,
      threads: Object.entries(threadCpuDelta(before.threads, settled.threads)).map(([name, ms]) => [name, ms / set.length] as const),
    };
  }
  const approveBurst = await burst('approve', concurrentSet);
  const reopenBurst = await burst('reopen', concurrentSet);
  const [concurrentApprove, concurrentReopen] = [approveBurst.latencies, reopenBurst.latencies];
  if (process.env.BENCH_PROF) writeFileSync(path.join(process.env.BENCH_PROF, 'windows.json'), JSON.stringify(windows, null, 2));
  // The decision's own transaction, in this process with the same pool size: the database part
  // of the workflow's local activity, without Temporal or HTTP.
  const direct = { approve: [] as number[], reopen: [] as number[] };
  for (const v of take(Math.min(DECISION_SERIAL, pool.length))) {
    let t0 = performance.now();
    await approveVerification(prisma, v.id, { keyId: null, label: 'bench' });
    direct.approve.push(performance.now() - t0);
    t0 = performance.now();
    await reopenVerification(prisma, v.id, { label: 'bench' });
    direct.reopen.push(performance.now() - t0);
  }

  /**
   * Per decision, from the workflow history: signal → the workflow task that applied it (the
   * decision runs inside it as a local activity) completed; outside = what the client saw beyond that.
   */
  async function decisionSplit(set: { workflow_id: string }[], signal: 'approve' | 'reopen', clientMs: number[]) {
    const parts = { workflow: [] as number[], outside: [] as number[] };
    for (const [i, v] of set.entries()) {
      const events = await historyEvents(temporal, v.workflow_id);
      const signalled = events.signals.find((s) => s.name === signal)!.at;
      const recorded = events.workflowTasksCompleted.find((at) => at >= signalled) ?? NaN;
      parts.workflow.push(recorded - signalled);
      parts.outside.push(clientMs[i]! - (recorded - signalled));
    }
    return parts;
  }
  const splits = {
    'approve c=1': await decisionSplit(serialSet, 'approve', serialApprove),
    'reopen c=1': await decisionSplit(serialSet, 'reopen', serialReopen),
    [`approve c=${DECISION_CLIENTS}`]: await decisionSplit(concurrentSet, 'approve', concurrentApprove),
    [`reopen c=${DECISION_CLIENTS}`]: await decisionSplit(concurrentSet, 'reopen', concurrentReopen),
  };

  // ---- 3. list routes (skipped with --no-lists: the bulk insert alone takes minutes) -------------
  const lists = process.argv.includes('--no-lists') ? null : await (async () => {
    // ---- 3. list routes with 10 000 findings and tasks ------------------------------------------------
    log(`3. bulk-inserting ${BULK} findings + ${BULK} tasks into project bulk (and as many into another org), then VACUUM ANALYZE`);
    const bulkProject = await createProject(prisma, org.id, 'bulk');
    const otherOrg = await createOrg(prisma, 'another-tenant');
    const otherProject = await createProject(prisma, otherOrg.id, 'bulk');
    const tInsert = performance.now();
    await bulkInsert(prisma, org.id, bulkProject.id, BULK, 1);
    await bulkInsert(prisma, otherOrg.id, otherProject.id, BULK, 2);
    const insertMs = performance.now() - tInsert;
    await db.pool.query('VACUUM ANALYZE findings');
    await db.pool.query('VACUUM ANALYZE tasks');

    type Variant = { label: string; path: string; run: (p: PrismaClient) => Promise<unknown> };
    const bulk = { org_id: org.id, project_id: bulkProject.id };
    const findingsOrder = [{ priority_score: 'desc' as const }, { inserted_at: 'desc' as const }, { id: 'desc' as const }];
    const taskVariant = (label: string, status?: TaskStatus): Variant => ({
      label,
      path: `tasks?limit=50${status ? `&status=${status}` : ''}`,
      run: async (p) => {
        const where = { ...bulk, ...(status ? { status } : {}) };
        await p.task.findMany({ where, orderBy: orderNewestFirst('created_at'), take: 51 });
        await p.task.count({ where });
      },
    });
    const findingVariant = (label: string, filters: { severity?: Severity; status?: FindingStatus; domain?: FindingDomain }, offset = 0): Variant => ({
      label,
      path: `findings?limit=50${Object.entries(filters).map(([k, v]) => `&${k}=${v}`).join('')}${offset ? `&offset=${offset}` : ''}`,
      run: async (p) => {
        const where = { ...bulk, ...filters };
        await p.finding.findMany({ where, orderBy: findingsOrder, take: 50, skip: offset });
        await p.finding.count({ where });
      },
    });
    const variants: Variant[] = [
      taskVariant('GET tasks'),
      taskVariant('GET tasks status=in_progress', 'in_progress'),
      findingVariant('GET findings', {}),
      findingVariant('GET findings severity=critical', { severity: 'critical' }),
      findingVariant('GET findings status=new', { status: 'new' }),
      findingVariant('GET findings domain=seo', { domain: 'seo' }),
      findingVariant('GET findings sev=high+status=triaged+domain=security', { severity: 'high', status: 'triaged', domain: 'security' }),
      findingVariant('GET findings offset=5000', {}, 5000),
      findingVariant('GET findings status=new offset=3000', { status: 'new' }, 3000),
    ];

    log(`3. measuring ${variants.length} list requests at 1 client (×${LIST_SERIAL}) and ${LIST_CLIENTS} clients (×${LIST_PER_CLIENT} each)`);
    const listRows: string[][] = [];
    for (const variant of variants) {
      const path = `${audit(bulkProject.id)}/${variant.path}`;
      let total = 0;
      let items = 0;
      const get = async () => {
        const reply = await call('GET', path, undefined, 200);
        total = reply.body.meta.total;
        items = reply.body.data.length;
      };
      await measure(1, 10, get);
      const one = await measure(1, LIST_SERIAL, get);
      const apiCpu0 = cpuMs(stack.apiPid);
      const ten = await measure(LIST_CLIENTS, LIST_PER_CLIENT, get);
      const apiCpuPerRequest = (cpuMs(stack.apiPid) - apiCpu0) / ten.n;
      listRows.push([variant.label, `${items}/${total}`, ms(one.p50), ms(one.p99), ms(ten.p50), ms(ten.p99), ten.perSecond.toFixed(0), ms(apiCpuPerRequest)]);
    }

    log('3. capturing the SQL Prisma sends for the list routes; EXPLAIN (ANALYZE, BUFFERS) each');
    const captured: { query: string; params: string }[] = [];
    const spyPool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
    const spy = new PrismaClient({ adapter: new PrismaPg(spyPool), log: [{ emit: 'event', level: 'query' }] });
    onCleanup(async () => {
      await spy.$disconnect();
      await spyPool.end();
    });
    spy.$on('query', (event) => captured.push({ query: event.query, params: event.params }));
    const planRows: string[][] = [];
    const notServed: string[] = [];
    let sampleSql = '';
    for (const variant of variants) {
      captured.length = 0;
      await variant.run(spy);
      const statements = captured.filter((c) => /^\s*SELECT/i.test(c.query));
      if (statements.length !== 2) throw new Error(`expected 2 statements for ${variant.label}, captured ${statements.length}`);
      for (const [i, statement] of statements.entries()) {
        if (!sampleSql && variant.label === 'GET findings severity=critical' && i === 0) sampleSql = `${statement.query}\n  params ${statement.params}`;
        const params = JSON.parse(statement.params) as unknown[];
        const { rows } = await db.pool.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${statement.query}`, params);
        const summary = summarisePlan((rows[0] as { 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number }] })['QUERY PLAN'][0]);
        const kind = i === 0 ? 'page' : 'count';
        planRows.push([`${variant.label} [${kind}]`, summary.chain, summary.indexes, summary.heapFilter, summary.sort, summary.execMs.toFixed(2), summary.buffers]);
        if (!summary.indexServed) notServed.push(`${variant.label} [${kind}]: ${[summary.sort !== '—' ? `sorted (${summary.sort})` : '', summary.heapFilter !== '—' ? `filtered on the heap: ${summary.heapFilter}` : '', summary.chain.includes('Seq Scan') ? 'seq scan' : ''].filter(Boolean).join('; ')}`);
      }
    }
    return { listRows, planRows, notServed, sampleSql, insertMs };
  })();

  // ---- printing -----------------------------------------------------------------------------------
  const r = (values: number[]) => stats(values);
  const fetchP50 = fetchWarm.p50;
  const ratio = (value: number) => `${(value / fetchP50).toFixed(1)}×`;
  const n = runs.length;
  console.log(`\nremediation-latency: node ${process.version}, ${CORES} cores, load average ${loadBefore.toFixed(1)} at start, pool ${POOL_SIZE} per process, LOG_LEVEL=warn`);
  console.log(`page: ${site.bytes} bytes of HTML on 127.0.0.1; ${CSP_KEY} = ${securityChecks.filter((c) => c.verificationKey === CSP_KEY).length} check functions; ` +
    `page fetches per verification: ${[...new Set(runs.map((x) => x.pageFetches))].join('/')}; GET polls per run (p50): ${median(runs.map((x) => x.polls))}`);

  const row = (label: string, values: number[]) => {
    const s = r(values);
    return [label, String(s.n), ms(s.p50), ms(s.p90), ms(s.max), ratio(s.p50)];
  };
  printTable(
    `1. Verification of ${CSP_KEY}, ${n} runs one after the other (each on its own finding/task), ms; ratio = p50 / one warm safe fetch`,
    ['what', 'n', 'p50', 'p90', 'max', 'ratio'],
    [
      row('POST verifications/run → 202 (client)', runs.map((x) => x.postMs)),
      row(`202 → result seen (GET every ${POLL_MS} ms)`, runs.map((x) => x.settleMs)),
      row('POST sent → result seen (client)', runs.map((x) => x.totalMs)),
      row('row inserted → result written (created_at → updated_at)', runs.map((x) => x.resultWrittenAt - x.createdAt)),
      row('result written → seen by the poll', runs.map((x) => x.seenAt - x.resultWrittenAt)),
      ['ref: one safe fetch of the page, warm (keep-alive)', String(fetchWarm.n), ms(fetchWarm.p50), ms(fetchWarm.p90), ms(fetchWarm.max), ratio(fetchWarm.p50)],
      ['ref: one safe fetch, cold (new fetcher + connect)', String(fetchCold.n), ms(fetchCold.p50), ms(fetchCold.p90), ms(fetchCold.max), ratio(fetchCold.p50)],
      ['ref: fetch + parse + 24 security checks + judge', String(fetchAndCheck.n), ms(fetchAndCheck.p50), ms(fetchAndCheck.p90), ms(fetchAndCheck.max), ratio(fetchAndCheck.p50)],
      ['ref: evaluateVerification body in-process (2 reads, fetch+checks, 2 writes)', String(evaluateBody.n), ms(evaluateBody.p50), ms(evaluateBody.p90), ms(evaluateBody.max), ratio(evaluateBody.p50)],
    ],
  );
  console.log(`CPU during the ${n} runs (incl. polling), ms per run: api ${ms((cpu1[0]! - cpu0[0]!) / n)}, worker ${ms((cpu1[1]! - cpu0[1]!) / n)}, temporal ${ms((cpu1[2]! - cpu0[2]!) / n)}`);

  const seg = histories.map((h, i) => {
    const created = runs[i]!.createdAt;
    const firstTask = h.workflowTasksCompleted[0] ?? NaN;
    return {
      kickoff: h.workflowStarted - created,
      firstTask: firstTask - h.workflowStarted,
      total: firstTask - created,
      writtenBeforeTask: firstTask - runs[i]!.resultWrittenAt,
    };
  });
  const totalP50 = median(seg.map((s) => s.total));
  const split = (label: string, pick: (s: (typeof seg)[number]) => number) => {
    const s = r(seg.map(pick));
    return [label, ms(s.p50), ms(s.p90), `${((100 * s.p50) / totalP50).toFixed(0)}%`];
  };
  printTable(
    '1b. Split from the workflow history (Temporal event times; row insert from created_at), ms over the same runs; share = p50 / total p50. The plan and the HTTP-only evaluation are local activities inside the first workflow task',
    ['segment', 'p50', 'p90', 'share'],
    [
      split('API: row inserted → WorkflowExecutionStarted', (s) => s.kickoff),
      split('WorkflowExecutionStarted → first workflow task completed (plan + evaluation)', (s) => s.firstTask),
      split('total: row inserted → first workflow task completed', (s) => s.total),
      split('(result row written before that task completed by)', (s) => s.writtenBeforeTask),
    ],
  );

  const decisionRow = (label: string, values: number[]) => {
    const s = r(values);
    return [label, String(s.n), ms(s.p50), ms(s.p99), ms(s.max)];
  };
  printTable(
    `2. approve / reopen (POST verifications/:id/approve|reopen → 200), client-side ms; each request on a different passed verification`,
    ['operation', 'n', 'p50', 'p99', 'max'],
    [
      decisionRow('approve, 1 client (sequential)', serialApprove),
      decisionRow('reopen, 1 client (sequential)', serialReopen),
      decisionRow(`approve, ${DECISION_CLIENTS} concurrent`, concurrentApprove),
      decisionRow(`reopen, ${DECISION_CLIENTS} concurrent`, concurrentReopen),
    ],
  );
  printTable(
    '2b. Where a decision goes (p50 ms): signal → the workflow task that applied it completed (decideVerification, a local activity, inside; its transaction NOTIFYs the API); outside = client − that (the API: lookup, signal, the notice)',
    ['operation', 'workflow part', 'outside', 'client'],
    Object.entries(splits).map(([label, p]) => {
      const client = label.startsWith('approve') ? (label.endsWith('=1') ? serialApprove : concurrentApprove) : label.endsWith('=1') ? serialReopen : concurrentReopen;
      return [label, ms(median(p.workflow)), ms(median(p.outside)), ms(median(client))];
    }),
  );
  const cpuRow = (label: string, cpu: number[], postgres: number | null, client: number[]) => {
    const total = cpu.reduce((a, b) => a + b, 0);
    return [label, ms(cpu[0]!), ms(cpu[1]!), ms(cpu[2]!), postgres === null ? '–' : ms(postgres), ms(total), ms((total * DECISION_CLIENTS) / CORES), ms(r(client).max)];
  };
  printTable(
    `2c. CPU per decision over the ${DECISION_CLIENTS}-decision bursts, ms, less the idle rate: until the last answer, and until the processes are quiet again (settled, with PostgreSQL's backends of this database); sum and floor without PostgreSQL; floor = the burst's CPU / ${CORES} cores, the least time its last answer can take`,
    ['burst', 'api', 'worker', 'temporal', 'postgres', 'sum', 'floor', 'measured max'],
    [
      cpuRow('approve, at the last answer', approveBurst.atAnswer, null, concurrentApprove),
      cpuRow('approve, settled', approveBurst.settled, approveBurst.postgres, concurrentApprove),
      cpuRow('reopen, at the last answer', reopenBurst.atAnswer, null, concurrentReopen),
      cpuRow('reopen, settled', reopenBurst.settled, reopenBurst.postgres, concurrentReopen),
    ],
  );
  const threadNames = [...new Set([...approveBurst.threads, ...reopenBurst.threads].filter(([, v]) => v >= 0.05).map(([name]) => name))];
  const threadCell = (b: typeof approveBurst, name: string) => ms(b.threads.find(([n]) => n === name)?.[1] ?? 0);
  printTable(
    '2e. The worker\'s CPU per decision by thread (settled, idle not subtracted), ms: main = the Node main thread (activities, the bridge); workflow threads run the workflow code; tokio = the SDK core',
    ['thread', 'approve', 'reopen'],
    threadNames.map((name) => [name, threadCell(approveBurst, name), threadCell(reopenBurst, name)]),
  );
  printTable(
    `2d. The decision's transaction alone, in-process (the local activity's database work), ms`,
    ['transaction', 'n', 'p50', 'max'],
    (['approve', 'reopen'] as const).map((d) => [d, String(direct[d].length), ms(median(direct[d])), ms(r(direct[d]).max)]),
  );
  const verdict = (label: string, value: number, goal: number) => console.log(`goal ${label}: ${ms(value)} ms (≤ ${goal} ms: ${value <= goal ? 'met' : 'NOT met'})`);
  console.log('');
  verdict('verification run → result seen, p50', median(runs.map((x) => x.totalMs)), 100);
  verdict(`approve p99 at ${DECISION_CLIENTS} concurrent clients`, r(concurrentApprove).p99, 100);
  verdict(`reopen p99 at ${DECISION_CLIENTS} concurrent clients`, r(concurrentReopen).p99, 100);

  if (lists) {
    const { listRows, planRows, notServed, sampleSql, insertMs } = lists;
    printTable(
      `3. List routes, limit 50, project with ${BULK} findings + ${BULK} tasks (another org holds as many); client-side ms; items/total from the answer`,
      ['request', 'items/total', 'c=1 p50', 'c=1 p99', `c=${LIST_CLIENTS} p50`, `c=${LIST_CLIENTS} p99`, `c=${LIST_CLIENTS} req/s`, 'api CPU ms/req'],
      listRows,
    );
    console.log(`(bulk insert of ${4 * BULK} rows with createMany: ${(insertMs / 1000).toFixed(1)} s; VACUUM ANALYZE findings, tasks before measuring)`);
    printTable(
      '3b. EXPLAIN (ANALYZE, BUFFERS) of the SQL Prisma sends (captured with log: query; same where/orderBy/take/skip); plan top → leaf; heap filter = conditions checked on rows, not in the index (rows removed); buffers = shared hit/read',
      ['statement', 'plan', 'index', 'heap filter (removed)', 'sort', 'exec ms', 'buffers'],
      planRows,
    );
    console.log(`\nnot fully index-served (a Sort, a Seq Scan, or a filter applied to fetched rows):\n  ${notServed.join('\n  ') || 'none'}`);
    console.log(`\nsample SQL (GET findings severity=critical, page):\n  ${sampleSql}`);
  }
  console.log(`\nwall time ${((performance.now() - began) / 1000).toFixed(0)} s; load average ${loadavg()[0]!.toFixed(1)} at the end`);
}

runBench('remediation', main, 10 * 60_000);
