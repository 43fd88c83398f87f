/**
 * Time per security scan (issue 16): security-only scans of the fixture pages, end to end through a real
 * worker (src/worker.ts) on a Temporal dev server, PostgreSQL database sitewarden_bench_scan, the fixture
 * site on 127.0.0.1; plus the in-process cost of judging a page (the checks, the Observatory results and
 * the grade), which is what issue 16 added to the scanner.
 *
 *   source scripts/lib.sh && ensure_node && ensure_temporal
 *   node_modules/.bin/tsx bench/security-scan.ts            # ROUNDS=n (default 20)
 *
 * Results go to stdout, progress to stderr. About a minute on 2 cores.
 */
import { performance } from 'node:perf_hooks';
import { buildPageArtifact } from '../src/checks/artifacts.ts';
import { securityChecks } from '../src/checks/security/index.ts';
import { observatoryResults } from '../src/checks/security/observatory-results.ts';
import { runChecks } from '../src/checks/types.ts';
import { securityGrade } from '../src/domain/security-grade.ts';
import { activity, machineLoad, median, ms, runScan, scanTimeline, startScanStack } from './scan-support.ts';
import { fixed, log, printTable, runBench } from './support.ts';

const ROUNDS = Number(process.env.ROUNDS ?? 20);
const JUDGE_ITERATIONS = 2_000;

async function main(): Promise<void> {
  const loadBefore = await machineLoad();
  const stack = await startScanStack();
  const pages = [
    ['defects page', stack.site.defectsUrl],
    ['clean page', stack.site.cleanUrl],
  ] as const;

  log('warm-up: one security scan of each page (not counted)');
  for (const [, url] of pages) await runScan(stack, url, ['security']);

  const rows: string[][] = [];
  for (const [label, url] of pages) {
    const wall: number[] = [];
    const scanner: number[] = [];
    let grade = '';
    for (let round = 1; round <= ROUNDS; round++) {
      const result = await runScan(stack, url, ['security']);
      const span = activity(await scanTimeline(stack.client, result.id), 'runSecurityScanner');
      wall.push(result.dbWallMs);
      scanner.push(span.closed - span.scheduled);
      const run = await stack.db.prisma.scanRun.findUniqueOrThrow({ where: { id: result.id }, select: { summary: true } });
      const stored = (run.summary as { security_grade?: { grade: string; score: number } }).security_grade;
      grade = stored ? `${stored.grade} (${stored.score})` : 'none';
    }
    log(`${label}: ${ROUNDS} scans done`);
    rows.push([label, ms(median(wall)), ms(Math.min(...wall)), ms(Math.max(...wall)), ms(median(scanner)), ms(Math.min(...scanner)), ms(Math.max(...scanner)), grade]);
  }

  // The judging alone, on the page the worker fetched (same bytes, same headers).
  const response = await fetch(stack.site.defectsUrl);
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  headers['set-cookie'] = response.headers.getSetCookie();
  const page = buildPageArtifact({ requestedUrl: response.url, finalUrl: response.url, status: response.status, headers, html: await response.text(), redirects: [] });
  const artifacts = { page, plainHttp: null };
  const time = (fn: () => unknown) => {
    for (let i = 0; i < 100; i++) fn();
    const t0 = performance.now();
    for (let i = 0; i < JUDGE_ITERATIONS; i++) fn();
    return (performance.now() - t0) / JUDGE_ITERATIONS;
  };
  const checksMs = time(() => runChecks(securityChecks, artifacts));
  const gradeMs = time(() => securityGrade(observatoryResults(artifacts)));

  const loadAfter = await machineLoad();
  console.log(`\nsecurity-scan: ${ROUNDS} sequential security-only scans per page, node ${process.version}, worker LOG_LEVEL=warn`);
  console.log(`machine before the bench: ${loadBefore}; at the end: ${loadAfter}`);
  printTable(
    'Security scan, ms: wall = scan_runs.finished_at − started_at; scanner = runSecurityScanner, ActivityTaskScheduled → Completed',
    ['page', 'wall p50', 'wall min', 'wall max', 'scanner p50', 'scanner min', 'scanner max', 'security grade'],
    rows,
  );
  printTable(
    `Judging the defects page in process, mean of ${JUDGE_ITERATIONS} (already parsed)`,
    ['step', 'ms per page'],
    [
      [`all ${securityChecks.length} security checks`, fixed(3)(checksMs)],
      ['Observatory results + grade', fixed(3)(gradeMs)],
    ],
  );
}

runBench('security-scan', main, 10 * 60_000);
