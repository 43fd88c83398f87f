import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { call, eventually } from '../support/http.ts';
import { startFixtureSite, type FixtureSite } from '../support/fixture-site.ts';
import { migrate } from '../../src/platform/migrate.ts';
import { crash, freePort, groupPids, isGone, spawnService, stopAll } from '../support/processes.ts';
import { createScratchDatabase, dropDatabase } from '../support/scratch-database.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { createTenant } from '../support/tenants.ts';

let stack: Stack;
let site: FixtureSite;
let databaseUrl: string | undefined;

beforeAll(async () => {
  // A database of its own: each API process started here resumes every queued run of its database,
  // and on the shared one that took other files' queued runs (a crawl's pages, say) into this
  // file's Temporal.
  databaseUrl = await createScratchDatabase();
  await migrate(databaseUrl);
  [stack, site] = await Promise.all([startStack({ DATABASE_URL: databaseUrl }, { worker: false }), startFixtureSite()]);
});
afterAll(async () => {
  await stopAll();
  await stack?.close();
  await site?.close();
  if (databaseUrl) await dropDatabase(databaseUrl);
});

const terminal = (status: string) => status === 'completed' || status === 'failed';

/** The service's program runs in the spawned pid itself (no wrapper left to absorb the kill). */
function expectProgramPid(child: ChildProcess, entry: string): void {
  const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0');
  expect(cmdline).toContain(entry);
  expect(groupPids(child.pid!)).toContain(child.pid);
}

/**
 * Work the kill interrupted and that ran again, from a workflow's history: a retried activity
 * attempt, `name (attempt n, after: last failure)`, or a workflow task that timed out (the worker
 * held it: a light scan's HTTP work is a local activity of its workflow task since patch
 * scan-light-local, run again by the next worker's attempt of that task).
 */
async function retriedActivities(workflowId: string): Promise<string[]> {
  const history = await stack.temporal.client.workflow.getHandle(workflowId).fetchHistory();
  const names = new Map<string, string>();
  const retried: string[] = [];
  for (const event of history.events ?? []) {
    if (event.workflowTaskTimedOutEventAttributes) retried.push('workflow task (timed out: its local activities ran again)');
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) names.set(String(event.eventId), scheduled.activityType?.name ?? '?');
    const started = event.activityTaskStartedEventAttributes;
    if (started && (started.attempt ?? 1) > 1) {
      const name = names.get(String(started.scheduledEventId)) ?? '?';
      retried.push(`${name} (attempt ${started.attempt}, after: ${started.lastFailure?.message ?? '?'})`);
    }
  }
  return retried;
}

it('finishes every scan, each finding once, when the worker is killed mid-scan', async () => {
  const t = await createTenant(stack.db.prisma, stack.baseUrl);
  const first = spawnService('src/worker.ts', stack.serviceEnv());
  await eventually(async () => readFileSync(`/proc/${first.pid}/cmdline`, 'utf8'), (cmd) => cmd.includes('src/worker.ts'), 5_000);
  expectProgramPid(first, 'src/worker.ts');
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await call('POST', `${t.audit}/scans/run`, { key: t.writeKey, body: { url: site.slowUrl, scanners: ['security', 'seo'] } });
    expect(res.status).toBe(202);
    ids.push(res.body.data.id);
  }
  // Kill it while the page captures are in flight (the fixture holds each response for 3 s).
  await eventually(async () => site.hits.filter((h) => h === 'defects/slow').length, (n) => n >= 1, 30_000);
  const killed = await crash(first);
  expect(killed).toContain(first.pid);
  expect(killed.filter((pid) => !isGone(pid))).toEqual([]);
  const running = await stack.db.prisma.scanRun.count({ where: { id: { in: ids }, status: { in: ['queued', 'running'] } } });
  expect(running).toBe(3);

  spawnService('src/worker.ts', stack.serviceEnv());
  const runs = await eventually(
    () => stack.db.prisma.scanRun.findMany({ where: { id: { in: ids } } }),
    (rows) => rows.every((r) => terminal(r.status)),
    90_000,
  );
  const states = runs.reduce<Record<string, number>>((counts, r) => ({ ...counts, [r.status]: (counts[r.status] ?? 0) + 1 }), {});
  process.stderr.write(`worker-kill test: scans by final state ${JSON.stringify(states)}\n`);
  expect(runs.map((r) => r.status)).toEqual(['completed', 'completed', 'completed']);
  // The kill interrupted real work: an activity of these scans ran again after it.
  const retried = (await Promise.all(runs.map((r) => retriedActivities(r.workflow_id)))).flat();
  expect(retried.length).toBeGreaterThan(0);

  const findings = await stack.db.prisma.finding.findMany({ where: { org_id: t.orgId }, select: { id: true, title: true } });
  expect(findings.length).toBeGreaterThan(10);
  expect(new Set(findings.map((f) => f.title)).size).toBe(findings.length);
  const detections = await stack.db.prisma.findingEvent.count({ where: { org_id: t.orgId, kind: 'detected' } });
  expect(detections).toBe(findings.length);
}, 150_000);

it('loses no accepted scan when the API is killed while scans are started', async () => {
  const t = await createTenant(stack.db.prisma, stack.baseUrl);
  const worker = spawnService('src/worker.ts', stack.serviceEnv());
  const port = String(await freePort());
  const startApi = async (): Promise<ChildProcess> => {
    const api = spawnService('src/api/main.ts', stack.serviceEnv({ PORT: port }));
    await eventually(
      () => fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status, () => 0),
      (status) => status === 200,
      30_000,
    );
    return api;
  };
  const audit = `http://127.0.0.1:${port}/api/v1/orgs/${t.orgId}/projects/${t.projectId}/audit`;

  const api = await startApi();
  const accepted: string[] = [];
  const attempts = Array.from({ length: 20 }, async (_, i) => {
    await new Promise((r) => setTimeout(r, i * 15));
    const res = await call('POST', `${audit}/scans/run`, { key: t.writeKey, body: { url: site.defectsUrl, scanners: ['seo'] } }).catch(() => null);
    if (res?.status === 202) accepted.push(res.body.data.id);
  });
  expectProgramPid(api, 'src/api/main.ts');
  await eventually(async () => accepted.length, (n) => n >= 5, 30_000);
  const killed = await crash(api);
  expect(killed).toContain(api.pid);
  expect(killed.filter((pid) => !isGone(pid))).toEqual([]);
  // Nothing answers on the port any more: the health check below can only be the new API's.
  expect(await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status, () => 'refused')).toBe('refused');
  await Promise.all(attempts);
  expect(accepted.length).toBeGreaterThanOrEqual(5);

  const restarted = await startApi(); // starts the workflows of runs written just before the crash
  expect(restarted.pid).not.toBe(api.pid);
  const runs = await eventually(
    () => stack.db.prisma.scanRun.findMany({ where: { org_id: t.orgId } }),
    (rows) => rows.every((r) => terminal(r.status)),
    90_000,
  );
  // Whole rows on failure: the scanner_status slots say why a run did not complete.
  const outcome = (r: (typeof runs)[number]) => ({ id: r.id, status: r.status, scanner_status: r.scanner_status });
  expect(runs.filter((r) => accepted.includes(r.id)).map(outcome).sort((a, b) => a.id.localeCompare(b.id))).toEqual(
    accepted.map((id) => ({ id, status: 'completed', scanner_status: { seo: { status: 'done' } } })).sort((a, b) => a.id.localeCompare(b.id)),
  );
  expect(runs.filter((r) => r.status !== 'completed').map(outcome)).toEqual([]);
  await crash(worker);
}, 150_000);
