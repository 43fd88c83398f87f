/**
 * Tracker sync: for each of the four trackers, an integration against its local fake (the real
 * SDK, HTTP on 127.0.0.1) and N open tasks, through the real API, worker, Temporal dev server and
 * PostgreSQL (a scratch database, dropped after):
 *
 *   1. the first sync (N tickets created), 2. a re-sync with nothing changed (N unchanged),
 *   3. a re-sync after every task is done (N closed), 4. a re-sync after every task is reopened
 *      (N reopened): wall time from POST sync to `connected`, tickets per second, and the
 *      tracker requests made (the first sync's include one marker lookup per create);
 *   4. the cost of loading each SDK on first use (time, and the RSS it adds to the process).
 *
 *   source scripts/lib.sh && ensure_node && ensure_temporal
 *   node_modules/.bin/tsx bench/integration-sync.ts [tasks=200]
 *
 * The fakes answer at once: the figures are Sitewarden's own cost per ticket (a workflow activity,
 * the SDK, the bookkeeping), not a tracker's latency. Figures go to stdout, progress to stderr.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { createTrackerClient } from '../src/integrations/trackers.ts';
import { parseHostAllowlist } from '../src/gather/ssrf/host-allowlist.ts';
import type { Tracker } from '../src/integrations/providers.ts';
import { migrate } from '../src/platform/migrate.ts';
import { integrationSyncWorkflowId } from '../src/services/integrations.ts';
import { call, eventually } from '../test/support/http.ts';
import { createScratchDatabase, dropDatabase } from '../test/support/scratch-database.ts';
import { startStack } from '../test/support/stack.ts';
import { createTenant, type Tenant } from '../test/support/tenants.ts';
import type { FakeTracker } from '../test/support/trackers/server.ts';
import { startFakeGitHub } from '../test/support/trackers/github.ts';
import { startFakeGitLab } from '../test/support/trackers/gitlab.ts';
import { startFakeJira } from '../test/support/trackers/jira.ts';
import { startFakeLinear } from '../test/support/trackers/linear.ts';

const TASKS = Number(process.argv[2] ?? 200);
const log = (message: string) => console.error(`[bench] ${message}`);
const MB = 1024 * 1024;

const TRACKERS: Array<{ provider: Tracker; start(): Promise<FakeTracker>; credentials: Record<string, unknown>; base(url: string): string }> = [
  { provider: 'github', start: () => startFakeGitHub({ token: 'ghp_benchToken0001', owner: 'acme', repo: 'web' }), credentials: { token: 'ghp_benchToken0001', owner: 'acme', repo: 'web' }, base: (u) => u },
  { provider: 'gitlab', start: () => startFakeGitLab({ token: 'glpat-benchToken01', projectId: 1, path: 'acme/web' }), credentials: { token: 'glpat-benchToken01', project_id: 1 }, base: (u) => u },
  { provider: 'jira', start: () => startFakeJira({ email: 'b@acme.test', apiToken: 'jira-benchToken01', projectKey: 'WEB' }), credentials: { email: 'b@acme.test', api_token: 'jira-benchToken01', project_key: 'WEB' }, base: (u) => u },
  { provider: 'linear', start: () => startFakeLinear({ apiKey: 'lin_api_benchKey01', teamId: 'team-web', teamKey: 'ENG' }), credentials: { api_key: 'lin_api_benchKey01', team_id: 'team-web' }, base: (u) => `${u}/graphql` },
];

async function sdkLoadCost(): Promise<void> {
  console.log('SDK load on first use (this process, before the stack starts)');
  for (const { provider, start, credentials, base } of TRACKERS) {
    const fake = await start();
    global.gc?.();
    const rss = process.memoryUsage().rss;
    const t0 = performance.now();
    await (await createTrackerClient(provider, credentials as never, base(fake.url), { allowlist: parseHostAllowlist('127.0.0.1') })).dispose();
    const ms = performance.now() - t0;
    console.log(`  ${provider.padEnd(7)} ${ms.toFixed(0).padStart(6)} ms   +${((process.memoryUsage().rss - rss) / MB).toFixed(1)} MB RSS`);
    await fake.close();
  }
}

async function main() {
  if (!process.env.TEMPORAL_CLI) throw new Error('set TEMPORAL_CLI (source scripts/lib.sh && ensure_temporal)');
  await sdkLoadCost();
  const work = mkdtempSync(join(tmpdir(), 'sitewarden-bench-sync-'));
  const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../src/workflows/index.ts'), logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } });
  writeFileSync(join(work, 'workflows.js'), bundle.code);
  process.env.SITEWARDEN_TEST_WORKFLOW_BUNDLE = join(work, 'workflows.js');
  const databaseUrl = await createScratchDatabase();
  await migrate(databaseUrl);
  const stack = await startStack({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' });
  try {
    console.log(`\nsync of ${TASKS} tasks (wall time POST sync → connected; tickets/s; tracker requests)`);
    console.log(`  tracker  ${'first (create)'.padEnd(28)}${'re-sync (unchanged)'.padEnd(28)}${'re-sync (all done: close)'.padEnd(28)}re-sync (all reopened)`);
    for (const { provider, start, credentials, base } of TRACKERS) {
      const fake = await start();
      const t: Tenant = await createTenant(stack.db.prisma, stack.baseUrl);
      const connected = await call('POST', `${t.audit}/integrations/${provider}/connect`, { key: t.writeKey, body: { credentials, base_url: base(fake.url) } });
      if (connected.status !== 200) throw new Error(`connect: ${connected.status} ${connected.text}`);
      const findings = Array.from({ length: TASKS }, (_, i) => ({
        id: randomUUID(),
        org_id: t.orgId,
        project_id: t.projectId,
        domain: 'security' as const,
        check_id: `security.bench_${i}`,
        title: `Bench finding ${i}`,
        description: 'A description of some length. '.repeat(10),
        severity: 'high' as const,
        recommended_fix: { summary: 'Fix it', steps: ['One', 'Two', 'Three'] },
        affected_assets: [{ type: 'url', value: `https://example.test/${i}` }],
      }));
      await stack.db.prisma.finding.createMany({ data: findings });
      await stack.db.prisma.task.createMany({ data: findings.map((f) => ({ org_id: t.orgId, project_id: t.projectId, finding_id: f.id, title: f.title })) });
      const sync = async () => {
        const before = fake.requests.length;
        const t0 = performance.now();
        const res = await call('POST', `${t.audit}/integrations/${provider}/sync`, { key: t.writeKey });
        if (res.status !== 202) throw new Error(`sync: ${res.status} ${res.text}`);
        await stack.temporal.client.workflow.getHandle(integrationSyncWorkflowId(connected.body.data.id)).result();
        const row = await eventually(
          async () => (await call('GET', `${t.audit}/integrations`, { key: t.readKey })).body.data.find((r: any) => r.provider === provider),
          (r: any) => r.status !== 'syncing',
        );
        if (row.status !== 'connected') throw new Error(`${provider} sync ended ${row.status}: ${row.last_error}`);
        const s = (performance.now() - t0) / 1000;
        return `${s.toFixed(2)} s  ${(TASKS / s).toFixed(0)}/s  ${fake.requests.length - before} req`.padEnd(28);
      };
      log(`${provider}: first sync`);
      const first = await sync();
      log(`${provider}: re-sync`);
      const again = await sync();
      await stack.db.prisma.task.updateMany({ where: { org_id: t.orgId }, data: { status: 'done' } });
      log(`${provider}: closing`);
      const closing = await sync();
      if (fake.tickets.length !== TASKS || fake.tickets.some((x) => x.state !== 'closed')) throw new Error(`${provider}: ${fake.tickets.length} tickets, not all closed`);
      await stack.db.prisma.task.updateMany({ where: { org_id: t.orgId }, data: { status: 'in_progress' } });
      log(`${provider}: reopening`);
      const reopening = await sync();
      if (fake.tickets.length !== TASKS || fake.tickets.some((x) => x.state !== 'open')) throw new Error(`${provider}: ${fake.tickets.length} tickets, not all reopened`);
      console.log(`  ${provider.padEnd(7)}  ${first}${again}${closing}${reopening}`);
      await fake.close();
    }
  } finally {
    await stack.close();
    await dropDatabase(databaseUrl);
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
