/**
 * PostgreSQL round trips of one light scan (security + seo) of the defects fixture page: the
 * workflow's steps (the kickoff's row, then openLightScan, the one local activity of a light scan
 * since patch scan-light-one-activity; STEPS=separate: openScanRun, runHttpScanners, closeScanRun,
 * the three of scan-light-local, called one after another as ScanWorkflow called them) against the bare loop of
 * bench/scan-throughput.ts. No Temporal: what is counted is what the activities send to the
 * database, which the Temporal lane pays on top of the server's and the worker's orchestration.
 *
 *   node_modules/.bin/tsx bench/scan-queries.ts
 *   SCANS=10 node_modules/.bin/tsx bench/scan-queries.ts
 *   STEPS=separate node_modules/.bin/tsx bench/scan-queries.ts
 *
 * Every query a pg client sends is one round trip (Prisma's interactive transactions send BEGIN
 * and COMMIT as their own); counted by wrapping pg.Client#query, grouped by step and by statement
 * (the SQL's first words). Each lane scans a project of its own, first once unmeasured (the
 * findings then exist, as in the throughput bench's steady state: a rescan updates them), then
 * SCANS times. Database: sitewarden_bench_queries (recreated).
 */
import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import pg from 'pg';
import { createActivities } from '../src/activities/index.ts';
import type { LightScanOpened } from '../src/activities/light-scan.ts';
import type { HttpScansResult } from '../src/activities/scanners/http-scans.ts';
import { createOrg, createProject } from '../src/admin/tenants.ts';
import type { HttpScannerName } from '../src/domain/scanners.ts';
import { createSafeFetcher } from '../src/gather/safe-fetch.ts';
import { loadConfig } from '../src/platform/config.ts';
import { connectDatabase } from '../src/platform/db.ts';
import { scanWorkflowId } from '../src/services/scan-kickoff.ts';
import { startFixtureSite } from '../test/support/fixture-site.ts';
import { bareLightScan, type Tenant } from './scan-support.ts';
import { fixed, log, onCleanup, printTable, recreateDatabase, runBench } from './support.ts';

const DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/sitewarden_bench_queries';
const SCANS = Number(process.env.SCANS ?? 5);

/** Round trips by step, then by statement; `step` names what is running now (one scan at a time). */
const counts = new Map<string, Map<string, number>>();
let step: string | undefined;

/** The SQL's first words with identifiers unquoted: enough to tell the statements apart. */
function statementOf(query: unknown): string {
  const text = typeof query === 'string' ? query : ((query as { text?: string } | null)?.text ?? '?');
  const words = text.replace(/"public"\./g, '').replace(/"/g, '').replace(/\s+/g, ' ').trim();
  const table = /\b(?:FROM|INTO|UPDATE)\s+([a-z_]+)/i.exec(words)?.[1];
  const verb = /^(WITH|SELECT|INSERT|UPDATE|DELETE|BEGIN|COMMIT|ROLLBACK)/i.exec(words)?.[1]?.toUpperCase() ?? words.slice(0, 20);
  return table ? `${verb} ${table}` : verb;
}

const originalQuery = pg.Client.prototype.query;
pg.Client.prototype.query = function countedQuery(this: pg.Client, ...args: unknown[]) {
  if (step) {
    const byStatement = counts.get(step) ?? new Map<string, number>();
    const statement = statementOf(args[0]);
    byStatement.set(statement, (byStatement.get(statement) ?? 0) + 1);
    counts.set(step, byStatement);
  }
  return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
} as typeof pg.Client.prototype.query;

async function counted<T>(name: string | undefined, work: () => Promise<T>): Promise<T> {
  step = name;
  try {
    return await work();
  } finally {
    step = undefined;
  }
}

async function main(): Promise<void> {
  await recreateDatabase(DATABASE_URL);
  const db = connectDatabase(DATABASE_URL, 10);
  onCleanup(() => db.close());
  const site = await startFixtureSite();
  onCleanup(() => site.close());
  const config = loadConfig({ ...process.env, DATABASE_URL, SITEWARDEN_ALLOW_PRIVATE_HOSTS: '127.0.0.1', PAGESPEED_API_URL: '', PAGESPEED_API_KEY: '' });
  const fetcher = createSafeFetcher({ allowlist: config.allowlist, timeoutMs: 15_000 });
  onCleanup(() => fetcher.close());
  const activities = createActivities({ prisma: db.prisma, config, fetcher });
  const org = await createOrg(db.prisma, 'bench-queries');
  const lane = async (slug: string): Promise<Tenant> => ({ orgId: org.id, projectId: (await createProject(db.prisma, org.id, slug)).id });
  const url = site.defectsUrl;

  /** The workflow's light-scan steps, in its order; `prefix` undefined: not counted. */
  const workflowScan = async (tenant: Tenant, prefix?: string) => {
    const id = randomUUID();
    const now = new Date();
    const name = (what: string) => (prefix ? `${prefix}${what}` : undefined);
    await counted(name('kickoff: the queued row'), () =>
      db.prisma.scanRun.create({
        data: {
          id,
          org_id: tenant.orgId,
          project_id: tenant.projectId,
          url,
          trigger: 'manual',
          scanners: ['security', 'seo'],
          status: 'queued',
          scanner_status: { security: { status: 'pending' }, seo: { status: 'pending' } },
          workflow_id: scanWorkflowId(id),
          started_at: now,
          inserted_at: now,
        },
      }),
    );
    // STEPS=separate: the three local activities of patch scan-light-local, one after another;
    // otherwise openLightScan, the one of scan-light-one-activity (what a new run does).
    if (process.env.STEPS === 'separate') {
      await counted(name('openScanRun'), () => activities.openScanRun(id));
      const ran: HttpScansResult = await counted(name('runHttpScanners'), () => new MockActivityEnvironment().run(activities.runHttpScanners, id, ['security', 'seo'] as HttpScannerName[]));
      const closed = await counted(name('closeScanRun'), () => activities.closeScanRun(id, ran.slots, ran.findingIds));
      if (closed.outcome?.status !== 'completed') throw new Error(`scan ${id}: ${JSON.stringify(closed)}`);
    } else {
      const opened: LightScanOpened = await counted(name('openLightScan'), () => new MockActivityEnvironment().run(activities.openLightScan, id));
      if (opened.light?.closing.outcome?.status !== 'completed') throw new Error(`scan ${id}: ${JSON.stringify(opened)}`);
    }
  };
  const bare = bareLightScan(db.prisma, url);
  onCleanup(() => bare.close());

  const temporalLane = await lane('workflow');
  const bareLane = await lane('bare');
  log('one unmeasured scan per lane (its findings then exist)');
  await workflowScan(temporalLane);
  await bare.scan(bareLane);
  log(`${SCANS} scans per lane, one at a time`);
  for (let i = 0; i < SCANS; i++) {
    await workflowScan(temporalLane, 'workflow: ');
    await counted('bare loop', () => bare.scan(bareLane));
  }

  const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const perScan = (n: number) => fixed(1)(n / SCANS);
  console.log(`\nscan-queries: PostgreSQL round trips per light scan (security + seo) of the defects fixture page, mean of ${SCANS} rescans`);
  printTable(
    'Round trips per scan, by step',
    ['step', 'round trips', 'of which BEGIN/COMMIT'],
    [...counts].map(([name, m]) => [name, perScan(total(m)), perScan((m.get('BEGIN') ?? 0) + (m.get('COMMIT') ?? 0))]),
  );
  const workflowTotal = [...counts].filter(([name]) => name.startsWith('workflow')).reduce((sum, [, m]) => sum + total(m), 0);
  console.log(`all steps of the workflow: ${perScan(workflowTotal)} per scan; the bare loop: ${perScan(total(counts.get('bare loop') ?? new Map()))}`);
  printTable(
    'Round trips per scan, by step and statement (SQL verb and table)',
    ['step', 'statement', 'per scan'],
    [...counts].flatMap(([name, m]) => [...m].sort((a, b) => b[1] - a[1]).map(([statement, n]) => [name, statement, perScan(n)])),
  );
}

runBench('scan-queries', main, 5 * 60_000);
