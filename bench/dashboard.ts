/**
 * The dashboard's first load and its findings table at 10 000 findings, in Debian's Chromium
 * (playwright-core) against the API in-process on a real PostgreSQL and Temporal dev server.
 *
 *   source scripts/lib.sh && setup_run && ensure_postgres     # builds web/dist too
 *   TEMPORAL_CLI=$HOME/.cache/sitewarden/bin/temporal node_modules/.bin/tsx bench/dashboard.ts
 *
 * Database: BENCH_DATABASE_URL (default sitewarden_bench_dashboard on 127.0.0.1, made and
 * migrated here). ROUNDS (default 5) cold loads each; medians printed on stdout.
 *
 *   first load        every byte the page transfers (CDP encodedDataLength) with an empty cache,
 *                     and the time from navigation to the sign-in form accepting input;
 *   signed-in load    navigation to the command center's figures on screen;
 *   findings 10 000   navigation to the first rows of #/findings, then a severity filter chosen
 *                     to the filtered rows on screen.
 */
import { performance } from 'node:perf_hooks';
import { chromium, type Page } from 'playwright-core';
import { ensureDatabase, migrate } from '../src/platform/migrate.ts';
import { startStack } from '../test/support/stack.ts';
import { createTenant } from '../test/support/tenants.ts';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const FINDINGS = Number(process.env.FINDINGS ?? 10_000);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const log = (m: string) => console.error(`[bench] ${m}`);

async function main(): Promise<void> {
  const url = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/sitewarden_bench_dashboard';
  process.env.DATABASE_URL = url;
  await ensureDatabase(url);
  await migrate(url);
  const stack = await startStack({ DATABASE_URL: url }, { worker: false });
  const browser = await chromium.launch({ executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--headless=new'] });
  try {
    const t = await createTenant(stack.db.prisma, stack.baseUrl);
    log(`seeding ${FINDINGS} findings`);
    const severities = ['critical', 'high', 'medium', 'low'] as const;
    const domains = ['security', 'performance', 'accessibility', 'seo'] as const;
    for (let start = 0; start < FINDINGS; start += 1000) {
      await stack.db.prisma.finding.createMany({
        data: Array.from({ length: Math.min(1000, FINDINGS - start) }, (_, k) => {
          const i = start + k;
          return {
            org_id: t.orgId,
            project_id: t.projectId,
            domain: domains[i % 4]!,
            check_id: `${domains[i % 4]}.bench_${i % 37}`,
            title: `Bench finding ${i}`,
            description: 'A seeded finding for the dashboard bench.',
            severity: severities[(i * 7) % 4]!,
            severity_source: 'check' as const,
            status: 'new' as const,
            priority_score: i % 100,
            evidence: { header: 'x-bench', value: String(i) },
          };
        }),
      });
    }

    const session = async (signedIn: boolean) => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      if (signedIn) await context.addInitScript(`sessionStorage.setItem('sitewarden.api_key', ${JSON.stringify(t.readKey)})`);
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
      let bytes = 0;
      let requests = 0;
      cdp.on('Network.loadingFinished', (e) => {
        bytes += e.encodedDataLength;
        requests++;
      });
      return { page, close: () => context.close(), transferred: () => ({ bytes, requests }) };
    };
    const timed = async (page: Page, go: () => Promise<unknown>, ready: () => Promise<unknown>) => {
      const start = performance.now();
      await go();
      await ready();
      return performance.now() - start;
    };

    const first: number[] = [];
    let firstBytes = { bytes: 0, requests: 0 };
    for (let r = 0; r < ROUNDS; r++) {
      const s = await session(false);
      first.push(await timed(s.page, () => s.page.goto(stack.baseUrl), () => s.page.getByLabel('API key').waitFor()));
      // Past the form: the transfer is complete once the load event has fired.
      await s.page.waitForLoadState('load');
      firstBytes = s.transferred();
      await s.close();
    }

    const signedIn: number[] = [];
    let signedInBytes = { bytes: 0, requests: 0 };
    for (let r = 0; r < ROUNDS; r++) {
      const s = await session(true);
      signedIn.push(await timed(s.page, () => s.page.goto(stack.baseUrl), () => s.page.locator('.tile-value').first().waitFor()));
      await s.page.waitForLoadState('networkidle');
      signedInBytes = s.transferred();
      await s.close();
    }

    const firstRows: number[] = [];
    const filter: number[] = [];
    const highTotal = await stack.db.prisma.finding.count({ where: { org_id: t.orgId, severity: 'high' } });
    for (let r = 0; r < ROUNDS; r++) {
      const s = await session(true);
      firstRows.push(await timed(s.page, () => s.page.goto(`${stack.baseUrl}/#/findings`), () => s.page.locator('table.findings tbody tr').first().waitFor()));
      filter.push(
        await timed(
          s.page,
          () => s.page.getByRole('combobox', { name: 'Severity' }).selectOption('high'),
          () => s.page.getByText(`1–50 of ${highTotal}`).waitFor(),
        ),
      );
      await s.close();
    }

    const ms = (xs: number[]) => `${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`;
    console.log(`dashboard bench, ${ROUNDS} cold loads each (median), Chromium headless, API in-process on 127.0.0.1`);
    console.log(`first load (sign-in)        ${(firstBytes.bytes / 1024).toFixed(1)} KiB in ${firstBytes.requests} requests; interactive after ${ms(first)}`);
    console.log(`signed-in load (overview)   ${(signedInBytes.bytes / 1024).toFixed(1)} KiB in ${signedInBytes.requests} requests; figures after ${ms(signedIn)}`);
    console.log(`findings, ${FINDINGS} in project  first rows after ${ms(firstRows)}; severity filter (${highTotal} high) applied after ${ms(filter)}`);
  } finally {
    await browser.close();
    await stack.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
