/**
 * What the AI stage costs a scan: wall time of scans without a provider and with a fake Anthropic
 * that answers every request in 2 s, the stage's own time and round-trips (one per batch of
 * findings, not one per finding), and the tokens sent per finding.
 *
 *   source scripts/lib.sh && ensure_node && ensure_temporal
 *   node_modules/.bin/tsx bench/ai-analysis.ts
 *
 * In-process API and worker (test/support/stack.ts) on a Temporal dev server, a scratch database,
 * the defects fixture page on 127.0.0.1, security + SEO + accessibility scanners (~26 findings).
 * Tokens are estimated as characters / 4 of each request body the fake provider received.
 * About a minute on 2 cores. Results on stdout, progress on stderr.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { clearProvider, setProvider } from '../src/ai/provider-settings.ts';
import { migrate } from '../src/platform/migrate.ts';
import { startFakeAnthropic } from '../test/support/fake-llm.ts';
import { startFixtureSite } from '../test/support/fixture-site.ts';
import { call } from '../test/support/http.ts';
import { createScratchDatabase, dropDatabase } from '../test/support/scratch-database.ts';
import { startStack } from '../test/support/stack.ts';
import { createTenant } from '../test/support/tenants.ts';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const ANSWER_MS = 2_000;
const SCANNERS = ['security', 'seo', 'accessibility'];
const KEY = 'sk-ant-bench-key';
const log = (message: string) => console.error(`[bench] ${message}`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../src/workflows/index.ts'), logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } });
  process.env.SITEWARDEN_TEST_WORKFLOW_BUNDLE = join(tmpdir(), `sitewarden-bench-workflows-${process.pid}.js`);
  writeFileSync(process.env.SITEWARDEN_TEST_WORKFLOW_BUNDLE, bundle.code);
  const databaseUrl = await createScratchDatabase();
  await migrate(databaseUrl);
  const [anthropic, site] = await Promise.all([startFakeAnthropic({ apiKey: KEY }), startFixtureSite()]);
  anthropic.answerDelayMs = ANSWER_MS;
  const stack = await startStack({ DATABASE_URL: databaseUrl, SITEWARDEN_SECRET: 'bench-secret-of-at-least-32-characters' });
  try {
    const tenant = await createTenant(stack.db.prisma, stack.baseUrl);
    const scan = async () => {
      const started = Date.now();
      const res = await call('POST', `${tenant.audit}/scans/run`, { key: tenant.writeKey, body: { url: site.defectsUrl, scanners: SCANNERS } });
      const handle = stack.temporal.client.workflow.getHandle(res.body.data.workflow_id);
      const outcome = await handle.result();
      const wall = Date.now() - started;
      const history = await handle.fetchHistory();
      const events = history.events ?? [];
      // The stage: from scheduling the analysis activity to its completion (or its last failure).
      const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'analyzeScanFindings');
      const closed = scheduled && events.findLast((e) => e.activityTaskCompletedEventAttributes || e.activityTaskFailedEventAttributes);
      const millis = (e: (typeof events)[number]) => Number(e.eventTime!.seconds) * 1000 + Math.round((e.eventTime!.nanos ?? 0) / 1e6);
      return { wall, stage: scheduled && closed ? millis(closed) - millis(scheduled) : 0, findings: outcome.findings };
    };

    log('warm-up');
    await scan();
    const without: number[] = [];
    const withAi: Array<{ wall: number; stage: number; findings: number; requests: number; chars: number; findingChars: number }> = [];
    for (let round = 1; round <= ROUNDS; round++) {
      log(`round ${round}/${ROUNDS}`);
      await clearProvider(stack.db.prisma, 'anthropic');
      without.push((await scan()).wall);
      await setProvider(stack.db.prisma, stack.config, { provider: 'anthropic', apiKey: KEY, baseUrl: anthropic.baseUrl });
      anthropic.reset();
      const result = await scan();
      const analysis = anthropic.requests.filter((r) => r.body.tools[0].name !== 'record_accessibility_issues');
      const findingLines = analysis.flatMap((r) => String(r.body.messages[0].content).split('\n').filter((l) => l.startsWith('{')));
      withAi.push({
        ...result,
        requests: analysis.length,
        chars: analysis.reduce((sum, r) => sum + r.chars, 0),
        findingChars: findingLines.reduce((sum, l) => sum + l.length, 0),
      });
    }

    const findings = median(withAi.map((r) => r.findings));
    const tokens = (chars: number) => Math.round(chars / 4);
    const rows: Array<[string, string]> = [
      ['scanners', SCANNERS.join(' + ')],
      ['findings per scan', String(findings)],
      ['fake model answer time', `${ANSWER_MS} ms per request`],
      ['scan wall time, no provider (median)', `${median(without)} ms`],
      ['scan wall time, with the AI stage (median)', `${median(withAi.map((r) => r.wall))} ms`],
      ['AI stage (activity scheduled → completed, median)', `${median(withAi.map((r) => r.stage))} ms`],
      ['analysis requests per scan', withAi.map((r) => r.requests).join(', ')],
      ['tokens sent per scan (analysis, ≈ chars / 4)', String(tokens(median(withAi.map((r) => r.chars))))],
      ['tokens sent per finding, all in (prompt + schema shared)', String(Math.round(tokens(median(withAi.map((r) => r.chars))) / findings))],
      ['tokens per finding, its own line only', String(Math.round(tokens(median(withAi.map((r) => r.findingChars))) / findings))],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
  } finally {
    await stack.close();
    await Promise.all([anthropic.close(), site.close()]);
    await dropDatabase(databaseUrl);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
