/**
 * What site-auth costs a scan (docs/site-auth.md): the login recipe in its own Chromium, and the
 * per-request pause that adds the credentials to the origin's requests in Lighthouse's and axe's
 * browsers, against the same audit of the same page without it.
 *
 *   source scripts/lib.sh && ensure_node
 *   node_modules/.bin/tsx bench/site-auth.ts          # RUNS=n (default 5; Lighthouse gets ⌈n/2⌉)
 *
 * The page is the test fixture's login page (test/support/login-site.ts): it is the same page
 * with credentials or without, so the difference is the interception alone. Medians; the ratio is
 * the figure to compare between machines (two shared cores are noisy). Results on stdout.
 */
import { gatherAccessibility, gatherPerformance, signInToSite } from '../src/gather/browser-audits.ts';
import { loadConfig } from '../src/platform/config.ts';
import { startLoginSite } from '../test/support/login-site.ts';
import { log, printTable } from './support.ts';

const RUNS = Number(process.env.RUNS ?? 5);

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function timed(runs: number, work: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  return median(times);
}

async function main() {
  const site = await startLoginSite();
  const config = loadConfig({ ...process.env, SITEWARDEN_ALLOW_PRIVATE_HOSTS: '127.0.0.1' });
  const signal = new AbortController().signal;
  const auth = { origin: site.origin, headers: { [site.credentials.headerName]: site.credentials.headerValue }, cookies: [{ name: 'sid', value: 'bench', path: '/' }] };
  const recipe = { url: site.loginUrl, fields: { '#user': site.credentials.user, '#pass': site.credentials.password }, submit: '#go', success: { url: site.membersUrl } };
  try {
    log(`login recipe ×${RUNS}`);
    const login = await timed(RUNS, () => signInToSite(config, recipe, site.origin, signal));
    log(`axe ×${RUNS} without, with credentials`);
    const axeWithout = await timed(RUNS, () => gatherAccessibility(config, site.loginUrl, signal));
    const axeWith = await timed(RUNS, () => gatherAccessibility(config, site.loginUrl, signal, auth));
    const lhRuns = Math.ceil(RUNS / 2);
    log(`Lighthouse ×${lhRuns} without, with credentials`);
    const lhWithout = await timed(lhRuns, () => gatherPerformance(config, site.loginUrl, signal));
    const lhWith = await timed(lhRuns, () => gatherPerformance(config, site.loginUrl, signal, 1, auth));
    const ms = (value: number) => `${Math.round(value)} ms`;
    printTable('Site-auth cost (medians; each run launches its own Chromium)', ['what', 'without', 'with', 'ratio'], [
      ['login recipe (Chromium start, load, fill, submit, success check)', '—', ms(login), '—'],
      ['axe audit of one page', ms(axeWithout), ms(axeWith), (axeWith / axeWithout).toFixed(2)],
      ['Lighthouse run of one page', ms(lhWithout), ms(lhWith), (lhWith / lhWithout).toFixed(2)],
    ]);
  } finally {
    await site.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
