/**
 * Time and memory of every check on its worst input: the largest, most pathological inputs
 * gathering lets through (test/support/hostile.ts: 5 MiB pages nested as deep as capture allows,
 * 16 KiB headers, 100 000-character robots.txt and sitemaps, axe and Lighthouse results at their
 * bounds). Also the cost of what precedes the checks: the depth and element count at capture and parsing the
 * page into the checks' DOM, and the axe and policy code a page's results reach.
 *
 *   node_modules/.bin/tsx --expose-gc bench/hostile-inputs.ts
 *   BENCH_RUNS=1 BENCH_PAGES='nested headings,many elements' node_modules/.bin/tsx --expose-gc bench/hostile-inputs.ts
 *
 * Prints one row per check: its worst input, the time on it (median of BENCH_RUNS runs) and the heap it
 * grew by while running (after a GC beforehand, when --expose-gc is given).
 */
import { accessibilityChecks } from '../src/checks/accessibility/index.ts';
import type { HeaderMap, SecurityArtifacts, SeoArtifacts } from '../src/checks/artifacts.ts';
import { LHR_BOUNDS } from '../src/checks/performance/from-lhr.ts';
import { performanceChecks } from '../src/checks/performance/index.ts';
import { securityChecks } from '../src/checks/security/index.ts';
import { seoChecks } from '../src/checks/seo/index.ts';
import { runCheck, type Check } from '../src/checks/types.ts';
import { severityFor } from '../src/domain/policy.ts';
import { MAX_NESTING_DEPTH, MAX_PAGE_ELEMENTS, pageStructure } from '../src/gather/html-page.ts';
import { lighthousePerformanceAudits } from '../src/gather/lighthouse-audits.ts';
import {
  HOSTILE_HEADER_SETS,
  HOSTILE_HTML,
  HOSTILE_PROBE_BODIES,
  hostileAccessibility,
  hostilePerformance,
  hostileSecurity,
  hostileSeo,
} from '../test/support/hostile.ts';

/** Runs per measurement (BENCH_RUNS, default 3): the median is printed. */
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const gc = (globalThis as { gc?: () => void }).gc;

interface Measure {
  ms: number;
  heapMb: number;
}

function measure(work: () => unknown, runs = RUNS): Measure {
  const times: number[] = [];
  let heapMb = 0;
  for (let i = 0; i < runs; i++) {
    gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    work();
    times.push(performance.now() - started);
    heapMb = Math.max(heapMb, (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(runs / 2)]!, heapMb };
}

/** Worst input per check id: name, time, heap. */
const worst = new Map<string, { input: string } & Measure>();
function record(id: string, input: string, m: Measure): void {
  // Each figure as it comes, for runs cut short on a loaded machine; the table follows at the end.
  log(`${id}: ${m.ms.toFixed(1)} ms, ${m.heapMb.toFixed(1)} MB heap (${input})`);
  const current = worst.get(id);
  if (!current || m.ms > current.ms) worst.set(id, { input, ...m });
}

function runAll<A>(checks: readonly Check<A>[], input: string, artifacts: A): void {
  for (const check of checks) record(check.id, input, measure(() => runCheck(check, artifacts)));
}

const log = (message: string) => console.error(`[bench] ${message}`);
const LIMITS = { depth: MAX_NESTING_DEPTH, elements: MAX_PAGE_ELEMENTS };
const SMALL_PAGE = '<!doctype html><html lang="en"><head><title>t</title></head><body><h1>h</h1></body></html>';

async function main(): Promise<void> {
  if (!gc) log('run with --expose-gc for heap figures net of garbage left by earlier runs');
  const prep: [string, string, Measure][] = [];

  for (const [name, headers] of Object.entries(HOSTILE_HEADER_SETS)) {
    log(`headers: ${name}`);
    runAll(securityChecks, `headers: ${name}`, hostileSecurity(SMALL_PAGE, headers));
    for (const [robots, body] of Object.entries(HOSTILE_PROBE_BODIES)) {
      runAll(seoChecks, `headers: ${name}; robots.txt: ${robots}`, hostileSeo(SMALL_PAGE, headers as HeaderMap, body));
    }
  }

  // BENCH_PAGES: a comma-separated subset of the page inputs (each takes a while to parse).
  const pages = process.env.BENCH_PAGES?.split(',') ?? Object.keys(HOSTILE_HTML);
  for (const [name, make] of Object.entries(HOSTILE_HTML).filter(([name]) => pages.includes(name))) {
    log(`page: ${name}`);
    const html = make();
    prep.push(['depth and element count at capture', name, measure(() => pageStructure(html, LIMITS))]);
    let security: SecurityArtifacts | undefined;
    prep.push(['parse into the DOM (cheerio/parse5)', name, measure(() => (security = hostileSecurity(html, HOSTILE_HEADER_SETS.directives!)), 1)]);
    log(`${prep.at(-2)![0]}: ${prep.at(-2)![2].ms.toFixed(0)} ms; parse: ${prep.at(-1)![2].ms.toFixed(0)} ms (${name})`);
    runAll(securityChecks, `page: ${name}`, security!);
    const seo: SeoArtifacts = { ...hostileSeo(SMALL_PAGE, HOSTILE_HEADER_SETS.directives!, HOSTILE_PROBE_BODIES['many rules']!), page: security!.page };
    runAll(seoChecks, `page: ${name}`, seo);
  }
  // What capture now refuses, for the record: the count stops at the limit.
  const unclosed = '<div>'.repeat(1_000_000);
  prep.push(['depth and element count at capture', '5 MiB of unclosed <div> (refused)', measure(() => pageStructure(unclosed, LIMITS))]);
  const paragraphs = '<p>'.repeat(1_700_000);
  prep.push(['depth and element count at capture', '5 MiB of <p> (refused)', measure(() => pageStructure(paragraphs, LIMITS))]);

  log('axe and Lighthouse results at their bounds');
  runAll(accessibilityChecks, 'every axe rule, 25 nodes each, strings at bounds', hostileAccessibility());
  const known = [...(await lighthousePerformanceAudits())];
  runAll(performanceChecks, 'every known audit, strings at bounds', hostilePerformance(known, LHR_BOUNDS));

  const dots = `accessibility.axe.${'.'.repeat(80_000)}`;
  const config = { severity_rules: { accessibility: 'low', 'accessibility.axe': 'medium' } };
  prep.push(['policy match (severityFor)', '80 KB check id of dots', measure(() => severityFor({ domain: 'accessibility', check_id: dots, severity: 'high', severity_source: 'check' }, config))]);

  console.log(`\nChecks, each on its worst input (median of ${RUNS} runs)\n`);
  const rows = [...worst].sort((a, b) => b[1].ms - a[1].ms);
  const width = Math.max(...rows.map(([id]) => id.length));
  console.log(`${'check'.padEnd(width)}  ${'ms'.padStart(8)}  ${'heap MB'.padStart(8)}  worst input`);
  for (const [id, m] of rows) console.log(`${id.padEnd(width)}  ${m.ms.toFixed(1).padStart(8)}  ${m.heapMb.toFixed(1).padStart(8)}  ${m.input}`);

  console.log('\nBefore the checks, and what a page result reaches\n');
  for (const [what, input, m] of prep) console.log(`${what.padEnd(40)}  ${m.ms.toFixed(1).padStart(8)} ms  ${m.heapMb.toFixed(1).padStart(7)} MB  ${input}`);
  console.log(`\nprocess peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
