/**
 * The browser queue shared between orgs: how long org B's scan waits while org A floods the queue,
 * without the per-org limit (BROWSER_ORG_CONCURRENCY=0: first come, first served) and with it (1).
 *
 *   source scripts/lib.sh && ensure_node && ensure_temporal
 *   node_modules/.bin/tsx bench/browser-fairness.ts
 *
 * Each mode runs in a child process of its own (a real worker process, BROWSER_CONCURRENCY=1, on a
 * Temporal dev server): one accessibility scan of the defects fixture page alone (the time a
 * browser run takes here), then org A starts FLOOD accessibility scans and org B one right after.
 * For B: its browser activity's scheduled → closed time (the Temporal server's clock), the part of
 * it that is waiting (that minus the lone run), and how many of A's scans finished before it.
 * FLOOD=n changes the flood (default 8). Results go to stdout, progress to stderr.
 */
import { execFileSync } from 'node:child_process';
import { createOrg, createProject } from '../src/admin/tenants.ts';
import { scanWorkflowId } from '../src/services/scan-kickoff.ts';
import { activity, machineLoad, ms, runScan, scanTimeline, startScan, startScanStack, type ScanStack } from './scan-support.ts';
import { log, printTable, ROOT, runBench, TSX } from './support.ts';

const FLOOD = Number(process.env.FLOOD ?? 8);
const MODES = [
  { name: 'before: no per-org limit (FIFO)', limit: '0' },
  { name: 'after: 1 browser job per org', limit: '1' },
];

interface ModeResult {
  loneRunMs: number;
  bBrowserMs: number;
  bScanMs: number;
  aBeforeB: number;
  floodMs: number;
  load: string;
}

async function measureMode(): Promise<ModeResult> {
  const stack = await startScanStack();
  const browserSpan = async (id: string) => {
    const span = activity(await scanTimeline(stack.client, id), 'runAccessibilityScanner');
    return span.closed - span.scheduled;
  };
  log('a lone scan (warms Chromium up, then measured)');
  await runScan(stack, stack.site.defectsUrl, ['accessibility']);
  const lone = await runScan(stack, stack.site.defectsUrl, ['accessibility']);
  const loneRunMs = await browserSpan(lone.id);

  const orgB = await createOrg(stack.db.prisma, 'bench-fairness-b');
  const tenantB = { orgId: orgB.id, projectId: (await createProject(stack.db.prisma, orgB.id, 'b-site')).id };
  log(`org A floods the browser queue with ${FLOOD} scans; org B starts one after them`);
  const t0 = performance.now();
  const aIds: string[] = [];
  for (let i = 0; i < FLOOD; i++) aIds.push(await startScan(stack, stack.site.defectsUrl, ['accessibility']));
  const bStart = performance.now();
  const bId = await startScan(stack, stack.site.defectsUrl, ['accessibility'], tenantB);
  const result = (id: string) => stack.client.workflow.getHandle(scanWorkflowId(id)).result();
  const load = machineLoad();
  const [, bScanMs] = await Promise.all([Promise.all(aIds.map(result)), result(bId).then(() => performance.now() - bStart)]);
  const floodMs = performance.now() - t0;
  await assertAllDone(stack, [...aIds, bId]);

  const finished = async (id: string) => (await stack.db.prisma.scanRun.findUniqueOrThrow({ where: { id } })).finished_at!.getTime();
  const bFinished = await finished(bId);
  const aBeforeB = (await Promise.all(aIds.map(finished))).filter((t) => t < bFinished).length;
  return { loneRunMs, bBrowserMs: await browserSpan(bId), bScanMs, aBeforeB, floodMs, load: await load };
}

async function assertAllDone(stack: ScanStack, ids: string[]): Promise<void> {
  for (const id of ids) {
    const run = await stack.db.prisma.scanRun.findUniqueOrThrow({ where: { id } });
    const slot = (run.scanner_status as Record<string, { status: string; error?: string }>).accessibility;
    if (run.status !== 'completed' || slot?.status !== 'done') throw new Error(`scan ${id}: ${run.status}, accessibility ${JSON.stringify(slot)}`);
  }
}

if (process.env.BENCH_FAIRNESS_CHILD) {
  // A short name: Chromium's socket path under the work dir must stay within 107 bytes.
  runBench('fair', async () => {
    process.stdout.write(`${JSON.stringify(await measureMode())}\n`);
  }, 20 * 60_000);
} else {
  runBench('fair-modes', async () => {
    const rows: string[][] = [];
    for (const mode of MODES) {
      log(`--- ${mode.name}`);
      const out = execFileSync(TSX, ['bench/browser-fairness.ts'], {
        cwd: ROOT,
        env: { ...process.env, BENCH_FAIRNESS_CHILD: '1', BROWSER_ORG_CONCURRENCY: mode.limit, BROWSER_CONCURRENCY: '1' },
        stdio: ['ignore', 'pipe', 'inherit'],
        encoding: 'utf8',
      });
      const r = JSON.parse(out.trim().split('\n').at(-1)!) as ModeResult;
      rows.push([
        mode.name,
        ms(r.loneRunMs),
        ms(r.bBrowserMs),
        ms(Math.max(0, r.bBrowserMs - r.loneRunMs)),
        ms(r.bScanMs),
        `${r.aBeforeB} of ${FLOOD}`,
        ms(r.floodMs),
        r.load,
      ]);
    }
    printTable(`org B's scan while org A floods the browser queue with ${FLOOD} accessibility scans (BROWSER_CONCURRENCY=1, ms)`, [
      'mode',
      'lone browser run',
      "B's browser activity, scheduled → closed",
      "B's wait (that − lone run)",
      "B's scan, start → result",
      "A's scans finished before B's",
      'whole flood',
      'machine load',
    ], rows);
  });
}
