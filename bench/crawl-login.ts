/**
 * What a crawl's own sign-in costs (docs/crawls.md, "A site behind a login"): the crawl fixture's
 * members area crawled through the API with the site-auth headers form (no sign-in) and with a
 * login recipe (signInCrawl on the browser queue once per workflow run), ROUNDS times each. Prints
 * per crawl the workflow runs, the sign-ins, each sign-in's time in the queue and running (from the
 * history's events), the pages found behind the login and the crawl's wall time.
 *
 *   source scripts/lib.sh && ensure_node && ensure_temporal
 *   CHROME_PATH=/usr/bin/chromium node_modules/.bin/tsx bench/crawl-login.ts     # ROUNDS=2 (default)
 *
 * The crawl takes the start page and the members area (include), ten visits at five pages a run:
 * two workflow runs. Its page scans (SEO only) sign in too, each in its own Chromium, as any scan
 * with a login recipe does: that is most of the difference in wall time, not the crawl's sign-in.
 * Database: sitewarden_bench_crawl_login (dropped and recreated).
 */
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { createKey, createOrg, createProject } from '../src/admin/tenants.ts';
import { CRAWLER_USER_AGENT } from '../src/gather/crawl-discovery.ts';
import { connectDatabase } from '../src/platform/db.ts';
import { startCrawlSite } from '../test/support/crawl-site.ts';
import { log, onCleanup, printTable, recreateDatabase, requireTemporalCli, runBench, startStack, waitUntil } from './support.ts';

const DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/sitewarden_bench_crawl_login';
const ROUNDS = Number(process.env.ROUNDS ?? 2);

type History = temporal.api.history.v1.IHistory;
type Event = temporal.api.history.v1.IHistoryEvent;

async function runsOf(client: Client, workflowId: string): Promise<History[]> {
  const runs: History[] = [];
  let runId: string | undefined;
  for (;;) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    runs.unshift(history);
    runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
    if (!runId) return runs;
  }
}

const at = (e: Event) => Number(e.eventTime!.seconds) * 1000 + Math.round((e.eventTime!.nanos ?? 0) / 1e6);

/** Each signInCrawl of the runs: [ms scheduled → started, ms started → completed]. */
function signIns(runs: History[]): Array<[number, number]> {
  return runs.flatMap((run) => {
    const events = run.events ?? [];
    return events
      .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'signInCrawl')
      .map((scheduled) => {
        const of = (e: Event) => Number((e.activityTaskStartedEventAttributes ?? e.activityTaskCompletedEventAttributes)?.scheduledEventId ?? -1) === Number(scheduled.eventId);
        const started = events.find((e) => e.activityTaskStartedEventAttributes && of(e));
        const completed = events.find((e) => e.activityTaskCompletedEventAttributes && of(e));
        if (!started || !completed) throw new Error('a sign-in that did not complete');
        return [at(started) - at(scheduled), at(completed) - at(started)] as [number, number];
      });
  });
}

runBench('crawl-login', async () => {
  const temporalCli = requireTemporalCli();
  await recreateDatabase(DATABASE_URL);
  const site = await startCrawlSite({ pages: 3, members: true });
  onCleanup(() => site.close(), { afterChildren: true });
  const db = connectDatabase(DATABASE_URL, 4);
  onCleanup(() => db.close(), { afterChildren: true });
  const stack = await startStack(temporalCli, {
    DATABASE_URL,
    SITEWARDEN_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
    RATE_LIMIT_DEFAULT_MAX: '100000',
    LOG_LEVEL: 'warn',
    CRAWL_CONCURRENCY: '4',
    CRAWL_REQUEST_INTERVAL_MS: '0',
    CRAWL_PAGES_PER_RUN: '5',
  });
  const members = site.members!;
  const forms = {
    headers: { origin: site.origin, headers: { [members.header.name]: members.header.value } },
    login: { login: { url: members.loginUrl, fields: { '#user': members.credentials.user, '#pass': members.credentials.password }, submit: '#go', success: { url: `${site.origin}/members` } } },
  };
  const rows: string[][] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [form, body] of Object.entries(forms)) {
      const org = await createOrg(db.prisma, `bench-crawl-login-${form}-${round}`);
      const project = await createProject(db.prisma, org.id, 'bench-site');
      const key = await createKey(db.prisma, { orgId: org.id, scopes: ['audit:read', 'audit:write'] });
      const audit = `${stack.baseUrl}/api/v1/orgs/${org.id}/projects/${project.id}/audit`;
      const headers = { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' };
      const put = await fetch(`${audit}/site-auth`, { method: 'PUT', headers, body: JSON.stringify(body) });
      if (put.status !== 200) throw new Error(`site-auth refused: ${put.status} ${await put.text()}`);
      log(`round ${round}: crawl with the ${form} form`);
      const crawlerHitsBefore = site.membersAuthorizedBy.filter((h) => h.userAgent === CRAWLER_USER_AGENT).length;
      const t0 = performance.now();
      const started = await fetch(`${audit}/crawls/run`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ url: site.startUrl, max_pages: 40, scanners: ['seo'], include: ['/members', '/members/**'] }),
      });
      if (started.status !== 202) throw new Error(`crawl refused: ${started.status} ${await started.text()}`);
      const { data } = (await started.json()) as { data: { id: string; workflow_id: string } };
      let crawl: { status: string; counts: { scanned: number } } | undefined;
      await waitUntil('the crawl to close', 15 * 60_000, async () => {
        crawl = ((await (await fetch(`${audit}/crawls/${data.id}`, { headers })).json()) as { data: typeof crawl }).data;
        return crawl!.status !== 'running' && crawl!.status !== 'queued';
      }, 500);
      const ms = performance.now() - t0;
      if (crawl!.status !== 'completed') throw new Error(`the crawl ended ${crawl!.status}`);
      const behind = await db.prisma.crawlPage.count({ where: { crawl_id: data.id, status: 'scanned', url: { startsWith: `${site.origin}/members` } } });
      const runs = await runsOf(stack.temporal, data.workflow_id);
      const times = signIns(runs);
      const crawlerHits = site.membersAuthorizedBy.filter((h) => h.userAgent === CRAWLER_USER_AGENT).length - crawlerHitsBefore;
      rows.push([
        String(round),
        form,
        String(runs.length),
        String(times.length),
        times.length ? times.map(([queued, ran]) => `${queued} + ${ran}`).join(', ') : '—',
        `${behind} (${crawlerHits} signed-in visits)`,
        String(crawl!.counts.scanned),
        (ms / 1000).toFixed(1),
      ]);
    }
  }
  printTable('crawl of the members area: headers form vs login recipe (SEO only)', ['round', 'form', 'runs', 'sign-ins', 'each sign-in: queued + running (ms)', 'members pages scanned', 'pages scanned', 'crawl s'], rows);
});
