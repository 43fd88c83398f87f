/**
 * Live progress (GET …/scans/:id/events) against the real API process, a Temporal dev server (the
 * API connects to it at start; no stream asks it anything) and PostgreSQL (database
 * sitewarden_bench_sse, recreated on every run):
 *
 * - event latency: a slot change is committed here as the workflow's bookkeeping activity commits
 *   it (recordScannerSlot: the row, the event log, the NOTIFY, one transaction); the time from
 *   that commit returning to the event arriving on an open stream, p50/p99; once with one stream
 *   open, once more with 1 000 idle streams open beside it;
 * - the cost of 1 000 idle streams (one per run, each held running): the API's RSS and its
 *   database connections (pg_stat_activity, by application_name) before and after.
 *
 *   source scripts/lib.sh && ensure_node && ensure_temporal
 *   node_modules/.bin/tsx bench/sse.ts
 *
 * Results go to stdout, progress to stderr. Linux only (/proc).
 */
import { randomUUID } from 'node:crypto';
import { createParser } from 'eventsource-parser';
import { createKey, createOrg, createProject } from '../src/admin/tenants.ts';
import { createScanRunActivities } from '../src/activities/scan-runs.ts';
import { connectDatabase } from '../src/platform/db.ts';
import {
  fixed,
  freePort,
  localEnv,
  log,
  memoryMiB,
  onCleanup,
  percentile,
  printTable,
  recreateDatabase,
  requireTemporalCli,
  runBench,
  scriptPid,
  startChild,
  startTemporal,
  TSX,
  waitUntil,
} from './support.ts';

const DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/sitewarden_bench_sse';
const APP_NAME = 'sitewarden-bench-sse-api';
const IDLE_STREAMS = 1_000;
const CHANGES = 300;

interface Stream {
  /** Resolves with the arrival time (performance.now()) of the event with this id. */
  arrival(id: string): Promise<number>;
  close(): void;
}

async function openStream(url: string, key: string): Promise<Stream> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' }, signal: abort.signal });
  if (res.status !== 200 || !res.body) throw new Error(`stream answered ${res.status}`);
  const arrived = new Map<string, number>();
  const waiting = new Map<string, (at: number) => void>();
  const parser = createParser({
    onEvent: (event) => {
      if (event.id === undefined) return;
      const at = performance.now();
      arrived.set(event.id, at);
      waiting.get(event.id)?.(at);
    },
  });
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        parser.feed(value);
      }
    } catch {
      // closed
    }
  })();
  return {
    arrival: (id) => {
      const at = arrived.get(id);
      return at !== undefined ? Promise.resolve(at) : new Promise((resolve) => waiting.set(id, resolve));
    },
    close: () => abort.abort(),
  };
}

/** Connections of the API process (its pool and its LISTEN connection), from PostgreSQL's side. */
async function apiConnections(db: ReturnType<typeof connectDatabase>): Promise<{ total: number; listening: number }> {
  const { rows } = await db.pool.query<{ total: string; listening: string }>(
    `SELECT count(*) AS total, count(*) FILTER (WHERE query ILIKE 'LISTEN%') AS listening FROM pg_stat_activity WHERE application_name = $1`,
    [APP_NAME],
  );
  return { total: Number(rows[0]!.total), listening: Number(rows[0]!.listening) };
}

runBench(
  'sse',
  async () => {
    const temporalCli = requireTemporalCli();
    log('recreating sitewarden_bench_sse');
    await recreateDatabase(DATABASE_URL);
    const db = connectDatabase(DATABASE_URL, 4);
    onCleanup(() => db.close(), { afterChildren: true });

    const temporal = await startTemporal(temporalCli);
    const port = await freePort();
    const apiUrl = new URL(DATABASE_URL);
    apiUrl.searchParams.set('application_name', APP_NAME);
    const api = startChild('api', TSX, ['src/api/main.ts'], {
      ...localEnv(),
      DATABASE_URL: apiUrl.href,
      TEMPORAL_ADDRESS: temporal.address,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      RATE_LIMIT_DEFAULT_MAX: '1000000',
    });
    const baseUrl = `http://127.0.0.1:${port}`;
    await waitUntil('the API /readyz', 90_000, () => fetch(`${baseUrl}/readyz`).then((r) => r.ok));
    const apiPid = scriptPid(api);

    const org = await createOrg(db.prisma, `bench-${randomUUID()}`);
    const project = await createProject(db.prisma, org.id, 'site');
    const { key } = await createKey(db.prisma, { orgId: org.id, scopes: ['audit:read'] });
    const audit = `${baseUrl}/api/v1/orgs/${org.id}/projects/${project.id}/audit`;
    const heldRuns = async (n: number) => {
      const ids = Array.from({ length: n }, () => randomUUID());
      await db.prisma.scanRun.createMany({
        data: ids.map((id) => ({
          id,
          org_id: org.id,
          project_id: project.id,
          url: 'http://127.0.0.1:9/held',
          scanners: ['seo' as const],
          status: 'running' as const,
          scanner_status: { seo: { status: 'pending' } },
          analysis: { status: 'pending' },
          workflow_id: `held-${id}`,
        })),
      });
      return ids;
    };
    const bookkeeping = createScanRunActivities(db.prisma, { pageSpeedConfigured: false, browserTaskQueue: 'unused' });

    /** CHANGES slot changes on one run, each awaited on its stream. */
    const latency = async (label: string) => {
      const [runId] = await heldRuns(1);
      const stream = await openStream(`${audit}/scans/${runId}/events`, key);
      await stream.arrival('0'); // the start
      const fromCommit: number[] = [];
      const fromWrite: number[] = [];
      for (let i = 1; i <= CHANGES; i++) {
        const arrival = stream.arrival(String(i));
        const before = performance.now();
        await bookkeeping.recordScannerSlot(runId!, 'seo', { status: i % 2 ? 'running' : 'pending' });
        const committed = performance.now();
        const at = await arrival;
        fromCommit.push(Math.max(0, at - committed));
        fromWrite.push(at - before);
      }
      stream.close();
      return [label, ...[fromCommit, fromWrite].flatMap((v) => [percentile(v, 0.5), percentile(v, 0.99)]).map(fixed(2))];
    };

    log('warming up');
    await latency('warm-up');
    log(`latency with one stream open (${CHANGES} changes)`);
    const rows = [await latency('1 stream open')];

    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const before = { memory: memoryMiB(apiPid), db: await apiConnections(db) };
    log(`opening ${IDLE_STREAMS} idle streams`);
    const ids = await heldRuns(IDLE_STREAMS);
    const streams: Stream[] = [];
    for (let i = 0; i < ids.length; i += 100) {
      const batch = await Promise.all(ids.slice(i, i + 100).map((id) => openStream(`${audit}/scans/${id}/events`, key)));
      await Promise.all(batch.map((s) => s.arrival('0')));
      streams.push(...batch);
    }
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const after = { memory: memoryMiB(apiPid), db: await apiConnections(db) };
    // Opening them used the pool (auth, rate limit, the first read); an idle stream holds no
    // connection, so the pool shrinks back once its idle timeout (10 s) passes.
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    const idle = { memory: memoryMiB(apiPid), db: await apiConnections(db) };
    log(`latency with ${IDLE_STREAMS} idle streams open`);
    rows.push(await latency(`${IDLE_STREAMS} idle streams open`));
    for (const s of streams) s.close();

    printTable(
      'SSE event latency, ms (a slot change committed by recordScannerSlot → the event on the client)',
      ['streams', 'p50 from commit', 'p99 from commit', 'p50 from write start', 'p99 from write start'],
      rows,
    );
    printTable(`The cost of ${IDLE_STREAMS} idle streams (API process)`, ['', 'RSS MiB', 'DB connections', 'of which LISTEN'], [
      ['before', fixed(1)(before.memory.rss), String(before.db.total), String(before.db.listening)],
      [`${IDLE_STREAMS} streams just opened`, fixed(1)(after.memory.rss), String(after.db.total), String(after.db.listening)],
      [`${IDLE_STREAMS} streams, 12 s idle`, fixed(1)(idle.memory.rss), String(idle.db.total), String(idle.db.listening)],
      ['per stream (idle)', `${fixed(1)(((idle.memory.rss - before.memory.rss) * 1024) / IDLE_STREAMS)} KiB`, '', ''],
    ]);
  },
  10 * 60_000,
);
