/**
 * Memory of each Sitewarden process: idle after start, and after 20 scans through the API.
 *
 *   source scripts/lib.sh && ensure_node && ensure_temporal && npm run build
 *   node_modules/.bin/tsx bench/process-rss.ts
 *
 * Two layouts, one after the other, each on a Temporal dev server of its own (child process) and the
 * database sitewarden_bench_rss (created and migrated here), the fixture site served here on 127.0.0.1:
 *
 * - production, from dist/ (`npm run build`): `node dist/api/main.js`, `node dist/worker.js --role
 *   main` and `--role browser`, with PRODUCTION_NODE_FLAGS, as `npm start` runs them;
 * - development, from the sources: `tsx src/api/main.ts` and `tsx src/worker.ts` (both roles in one
 *   process), as ./scripts/dev runs them. Its RSS is that of the node process under the tsx wrapper.
 *
 * Idle: once the API answers /readyz and the workers poll their queues, IDLE_SETTLE_MS more, then
 * VmRSS (and RssAnon/RssFile) from /proc. Then SCANS scans (security, seo, accessibility: axe in
 * Chromium, the browser queue's work; Lighthouse runs in a child process of its own, outside the
 * worker's RSS) of the defects fixture page, CONCURRENCY in flight, started by POST …/scans/run and
 * followed by GET …/scans/:id; RSS after the last one completed (and the peak, sampled every second).
 * Goals: main worker ≤ 300 MiB idle, API ≤ 150 MiB idle. Results to stdout, progress to stderr.
 * About 3 minutes on 2 idle cores (much longer on a busy machine). LAYOUTS=dist (or src) runs one layout only.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { createKey, createOrg, createProject } from '../src/admin/tenants.ts';
import { connectDatabase } from '../src/platform/db.ts';
import { PRODUCTION_NODE_FLAGS } from '../src/platform/node-flags.ts';
import { ensureDatabase, migrate } from '../src/platform/migrate.ts';
import { startFixtureSite } from '../test/support/fixture-site.ts';
import { machineLoad } from './scan-support.ts';
import {
  fixed,
  freePort,
  localEnv,
  log,
  memoryMiB,
  onCleanup,
  printTable,
  requireTemporalCli,
  ROOT,
  runBench,
  scriptPid,
  startChild,
  startTemporal,
  temporalClient,
  TSX,
  waitUntil,
  type Memory,
} from './support.ts';

const DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/sitewarden_bench_rss';
const SCANS = 20;
const CONCURRENCY = 4;
const IDLE_SETTLE_MS = 10_000;
const SCANNERS = ['security', 'seo', 'accessibility'];
const GOALS: Record<string, number> = { api: 150, 'worker --role main': 300 };

interface ProcessFigures {
  name: string;
  idle: Memory;
  after: Memory;
  peak: number;
}

interface LayoutRun {
  layout: string;
  processes: ProcessFigures[];
  scansSeconds: number;
}

async function runLayout(layout: 'dist' | 'src', temporalCli: string, siteUrl: string): Promise<LayoutRun> {
  const temporal = await startTemporal(temporalCli);
  const client = await temporalClient(temporal.address);
  const queue = `bench-rss-${layout}`;
  const port = await freePort();
  const env = {
    ...localEnv(),
    NODE_ENV: 'production',
    DATABASE_URL,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: queue,
    TEMPORAL_BROWSER_TASK_QUEUE: `${queue}-browser`,
    SITEWARDEN_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
    // Storage and the secret in the bench's work dir, not the checkout's .data/.
    STORAGE_DIR: path.join(ROOT, '.data', 'bench-rss-storage'),
    SITEWARDEN_SECRET: 'bench-rss-secret-bench-rss-secret-0123456789',
    LOG_LEVEL: 'warn',
    // The bench polls GET scans/:id; the default 100 requests a minute per org would turn it back.
    RATE_LIMIT_DEFAULT_MAX: '100000',
    RATE_LIMIT_STRICT_MAX: '100000',
    HOST: '127.0.0.1',
    PORT: String(port),
  };
  const node = process.execPath;
  const started =
    layout === 'dist'
      ? [
          { name: 'api', child: startChild(`${layout}-api`, node, [...PRODUCTION_NODE_FLAGS.api, 'dist/api/main.js'], env), wrapped: false },
          { name: 'worker --role main', child: startChild(`${layout}-main`, node, [...PRODUCTION_NODE_FLAGS.worker, 'dist/worker.js', '--role', 'main'], env), wrapped: false },
          { name: 'worker --role browser', child: startChild(`${layout}-browser`, node, [...PRODUCTION_NODE_FLAGS.worker, 'dist/worker.js', '--role', 'browser'], env), wrapped: false },
        ]
      : [
          { name: 'api', child: startChild(`${layout}-api`, TSX, ['src/api/main.ts'], env), wrapped: true },
          { name: 'worker (both roles)', child: startChild(`${layout}-worker`, TSX, ['src/worker.ts'], env), wrapped: true },
        ];
  const baseUrl = `http://127.0.0.1:${port}`;
  log(`${layout}: waiting for the API and the workers`);
  await waitUntil('the API /readyz', 120_000, () => fetch(`${baseUrl}/readyz`).then((r) => r.ok, () => false), 250);
  await waitUntil('the workers to poll both queues', 180_000, () => polling(client, queue), 250);
  const pids = started.map((p) => ({ name: p.name, pid: p.wrapped ? scriptPid(p.child) : p.child.pid! }));
  await sleep(IDLE_SETTLE_MS);
  const idle = pids.map((p) => memoryMiB(p.pid));
  log(`${layout}: idle ${pids.map((p, i) => `${p.name} ${fixed(0)(idle[i]!.rss)} MiB`).join(', ')}; ${SCANS} scans`);

  const peaks = idle.map((m) => m.rss);
  const sampler = setInterval(() => pids.forEach((p, i) => (peaks[i] = Math.max(peaks[i]!, memoryMiB(p.pid).rss))), 1_000);
  const t0 = performance.now();
  await scansThroughApi(baseUrl, siteUrl, layout);
  const scansSeconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  await sleep(2_000); // the last activities' completions reported
  const after = pids.map((p) => memoryMiB(p.pid));
  // The processes stay up, idle, until the bench ends (it stops its children then, not before).
  return { layout, scansSeconds, processes: pids.map((p, i) => ({ name: p.name, idle: idle[i]!, after: after[i]!, peak: Math.max(peaks[i]!, after[i]!.rss) })) };
}

async function polling(client: Client, queue: string): Promise<boolean> {
  const pollers = async (name: string, taskQueueType: 1 | 2) =>
    (await client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name }, taskQueueType })).pollers.length;
  return (await pollers(queue, 1)) > 0 && (await pollers(`${queue}-browser`, 2)) > 0; // 1 = workflow, 2 = activity
}

/** SCANS scans of the page, CONCURRENCY at a time, each POST scans/run then GET scans/:id every 500 ms until closed. */
async function scansThroughApi(baseUrl: string, url: string, label: string): Promise<void> {
  const db = connectDatabase(DATABASE_URL, 2);
  const org = await createOrg(db.prisma, `bench-rss-${label}-${Date.now()}`);
  const project = await createProject(db.prisma, org.id, 'bench-site');
  const { key } = await createKey(db.prisma, { orgId: org.id, scopes: ['audit:read', 'audit:write'] });
  await db.close();
  const audit = `${baseUrl}/api/v1/orgs/${org.id}/projects/${project.id}/audit`;
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  let next = 0;
  const failures: string[] = [];
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < SCANS) {
        next++;
        const res = await fetch(`${audit}/scans/run`, { method: 'POST', headers, body: JSON.stringify({ url, scanners: SCANNERS }) });
        if (res.status !== 202) throw new Error(`POST scans/run: ${res.status} ${await res.text()}`);
        const { data } = (await res.json()) as { data: { id: string } };
        for (;;) {
          await sleep(500);
          const got = await fetch(`${audit}/scans/${data.id}`, { headers });
          if (!got.ok) throw new Error(`GET scans/:id: ${got.status} ${await got.text()}`);
          const scan = (await got.json()) as { data: { status: string } };
          if (scan.data.status === 'completed') break;
          if (scan.data.status === 'failed') {
            failures.push(data.id);
            break;
          }
        }
      }
    }),
  );
  if (failures.length) throw new Error(`${failures.length} of ${SCANS} scans failed: the figures would not be of ${SCANS} scans`);
}

async function main(): Promise<void> {
  const layouts = (process.env.LAYOUTS ?? 'dist,src').split(',') as ('dist' | 'src')[];
  if (layouts.includes('dist') && !existsSync(path.join(ROOT, 'dist/workflow-bundle.js'))) throw new Error('dist/ is not built: run `npm run build` first');
  const temporalCli = requireTemporalCli();
  const loadBefore = await machineLoad();
  await ensureDatabase(DATABASE_URL);
  await migrate(DATABASE_URL);
  const site = await startFixtureSite();
  onCleanup(() => site.close(), { afterChildren: true });

  console.log(`\nprocess-rss: node ${process.version}; machine before: ${loadBefore}`);
  // Each layout's table as soon as it is done: a slow machine may stop the bench before the next.
  for (const layout of layouts) printRun(await runLayout(layout, temporalCli, site.defectsUrl));
}

function printRun(run: LayoutRun): void {
  printTable(
    `${run.layout === 'dist' ? 'dist/ (node)' : 'src/ (tsx)'}: VmRSS, MiB, idle ${IDLE_SETTLE_MS / 1000} s after ready, after ${SCANS} scans ` +
      `(${SCANNERS.join(' + ')}, ${CONCURRENCY} in flight, through the API), peak sampled every second; anon/file = RssAnon/RssFile idle; ` +
      'goals: API ≤ 150, main worker ≤ 300 (idle)',
    ['process', 'idle', 'idle anon', 'idle file', `after ${SCANS} scans`, 'peak', 'goal', 'scans took s'],
    run.processes.map((p) => [
      p.name,
      fixed(0)(p.idle.rss),
      fixed(0)(p.idle.anon),
      fixed(0)(p.idle.file),
      fixed(0)(p.after.rss),
      fixed(0)(p.peak),
      GOALS[p.name] ? `≤ ${GOALS[p.name]} ${p.idle.rss <= GOALS[p.name]! ? 'met' : 'MISSED'}` : '',
      fixed(0)(run.scansSeconds),
    ]),
  );
}

runBench('rss', main, 40 * 60_000);
