import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { clearProvider, setProvider } from '../../src/ai/provider-settings.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { migrate } from '../../src/platform/migrate.ts';
import { setOrgQuota } from '../../src/services/ai-quota.ts';
import { historyText } from '../support/histories.ts';
import { startFakeAnthropic, startFakeOpenAi, type FakeLlm } from '../support/fake-llm.ts';
import { startFixtureSite, type FixtureSite } from '../support/fixture-site.ts';
import { call, eventually, type ApiResponse } from '../support/http.ts';
import { createScratchDatabase, dropDatabase } from '../support/scratch-database.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { openEvents } from '../support/sse.ts';
import { runtimeLog } from '../support/temporal.ts';
import { createTenant, type Tenant } from '../support/tenants.ts';

// AI providers are instance-wide, so this file has a database of its own: the other files, running
// at the same time on the shared test database, keep scanning without a provider.

const ANTHROPIC_KEY = `sk-ant-api03-${randomBytes(24).toString('base64url')}`;
const OPENAI_KEY = `sk-proj-${randomBytes(24).toString('base64url')}`;
const SECRET = randomBytes(32).toString('base64url');

let databaseUrl: string;
let stack: Stack;
let site: FixtureSite;
let anthropic: FakeLlm;
let openai: FakeLlm;
const apiLog: string[] = [];
const responses: string[] = [];

beforeAll(async () => {
  databaseUrl = await createScratchDatabase();
  await migrate(databaseUrl);
  [anthropic, openai, site] = await Promise.all([startFakeAnthropic({ apiKey: ANTHROPIC_KEY }), startFakeOpenAi({ apiKey: OPENAI_KEY }), startFixtureSite()]);
  const logSink = new Writable({
    write(chunk, _encoding, done) {
      apiLog.push(String(chunk));
      done();
    },
  });
  stack = await startStack(
    { DATABASE_URL: databaseUrl, SITEWARDEN_SECRET: SECRET, OPENAI_BASE_URL: openai.baseUrl, AI_QUOTA_UNITS: '1000' },
    { logger: createLogger('debug', 'api', logSink) },
  );
  // Anthropic's base URL from the settings table, OpenAI's from the environment.
  await setProvider(stack.db.prisma, stack.config, { provider: 'anthropic', apiKey: ANTHROPIC_KEY, baseUrl: anthropic.baseUrl });
  await setProvider(stack.db.prisma, stack.config, { provider: 'openai', apiKey: OPENAI_KEY });
});
afterAll(async () => {
  await stack?.close();
  await Promise.all([anthropic?.close(), openai?.close(), site?.close()]);
  if (databaseUrl) await dropDatabase(databaseUrl);
});
beforeEach(() => {
  anthropic.reset();
  openai.reset();
});

/** Every API answer of this file is kept, to search them for the keys at the end. */
async function api(method: string, url: string, options: Parameters<typeof call>[2] = {}): Promise<ApiResponse> {
  const res = await call(method, url, options);
  responses.push(`${JSON.stringify([...res.headers])}\n${res.text}`);
  return res;
}

async function scan(tenant: Tenant, url: string, scanners: string[]) {
  const started = await api('POST', `${tenant.audit}/scans/run`, { key: tenant.writeKey, body: { url, scanners } });
  expect(started.status).toBe(202);
  expect(started.body.data.analysis).toEqual({ status: 'pending' });
  const done = await eventually(
    () => api('GET', `${tenant.audit}/scans/${started.body.data.id}`, { key: tenant.readKey }),
    (r) => ['completed', 'failed'].includes(r.body.data.status),
    60_000,
  );
  return done.body.data;
}

async function findingsOf(tenant: Tenant): Promise<any[]> {
  const res = await api('GET', `${tenant.audit}/findings?limit=200`, { key: tenant.readKey });
  expect(res.status).toBe(200);
  return res.body.data;
}

const newTenant = () => createTenant(stack.db.prisma, stack.baseUrl);

test('a scan with Anthropic configured: scores, fixes and the summary come from the model, one request per batch', async () => {
  const tenant = await newTenant();
  const run = await scan(tenant, site.defectsUrl, ['security', 'seo']);
  expect(run).toMatchObject({ status: 'completed', analysis: { status: 'done' } });
  expect(run.summary).toMatchObject({ health_score: 42, counts: { by_domain: { security: expect.any(Number), seo: expect.any(Number) } } });

  const findings = await findingsOf(tenant);
  expect(run.summary.summary).toBe(`The model's verdict on ${findings.length} findings.`);
  expect(findings.length).toBeGreaterThan(20);
  for (const f of findings) {
    expect(f).toMatchObject({ score_source: 'ai', priority: { impact: 80, effort: 20, risk: 70 } });
    expect(f.recommended_fix).toEqual({ summary: `Fix ${f.title} (model advice).`, steps: [expect.stringMatching(/^First step for F\d+\.$/), 'Then rescan.'] });
  }
  // Batches of 10: one round-trip each, the first asking for the verdict too.
  expect(anthropic.requests.map((r) => r.body.tools[0].name).sort()).toEqual(
    ['record_analysis', ...Array(Math.ceil(findings.length / 10) - 1).fill('record_scores')].sort(),
  );
  expect(anthropic.requests.every((r) => r.body.model === 'claude-sonnet-4-5-20251022')).toBe(true);
  expect(openai.requests).toHaveLength(0);
  const scored = await stack.db.prisma.findingEvent.count({ where: { kind: 'scored', actor: `scan:${run.id}` } });
  expect(scored).toBe(findings.length);

  // Its event stream, replayed from the start: the AI stage ran, then was done, before the end.
  const sse = await openEvents(`${tenant.audit}/scans/${run.id}/events`, { key: tenant.readKey, lastEventId: '0' });
  await sse.ended;
  const stages = sse.events.filter((e) => e.event === 'analysis' || e.event === 'completed').map((e) => (e.event === 'analysis' ? e.data.status : e.event));
  expect(stages).toEqual(['running', 'done', 'completed']);
  expect(sse.events.at(-1)!.data).toEqual((await call('GET', `${tenant.audit}/scans/${run.id}`, { key: tenant.readKey })).body.data);
});

test('Anthropic answering 429 twice: the fake OpenAI answers', async () => {
  anthropic.script('rate_limited', 'rate_limited');
  const tenant = await newTenant();
  const run = await scan(tenant, site.defectsUrl, ['security']);
  const findings = await findingsOf(tenant);
  expect(findings.length).toBeLessThanOrEqual(10); // one batch, so one request to follow
  expect(run.analysis).toEqual({ status: 'done' });
  expect(run.summary.health_score).toBe(42);
  expect(anthropic.requests.map((r) => r.behaviour)).toEqual(['rate_limited', 'rate_limited']);
  expect(openai.requests).toHaveLength(1);
  expect(openai.requests[0]!.body.response_format.json_schema.name).toBe('record_analysis');
  expect(findings.every((f) => f.score_source === 'ai')).toBe(true);
  expect(runtimeLog.map((e) => e.message)).toEqual(
    expect.arrayContaining([
      'AI provider anthropic failed (rate_limited: HTTP 429: rate_limit_error: rate limited, slow down); retrying in 1 s',
      'AI provider anthropic failed (rate_limited: HTTP 429: rate_limit_error: rate limited, slow down); falling back to the next provider',
    ]),
  );
});

test('both providers failing: the scan completes with the rule scores, the stage failed with the reason', async () => {
  anthropic.always('server_error_echoing_key');
  openai.always('server_error_echoing_key');
  const tenant = await newTenant();
  const run = await scan(tenant, site.defectsUrl, ['security']);
  expect(run.status).toBe('completed');
  expect(run.analysis).toEqual({
    status: 'failed',
    reason: expect.stringMatching(/^no AI provider answered: anthropic: HTTP 500: api_error: upstream failed for key \[redacted\]; openai: HTTP 500/),
  });
  // Three attempts of the activity (transient errors), each trying both providers once per batch.
  const findings = await findingsOf(tenant);
  const batches = Math.ceil(findings.length / 10);
  expect([anthropic.requests.length, openai.requests.length]).toEqual([3 * batches, 3 * batches]);
  expect(findings.every((f) => f.score_source === 'rules' && f.recommended_fix === null)).toBe(true);
  expect(run.summary.health_score).not.toBe(42);
  expect(run.summary.summary).toMatch(/^\d+ findings? \(/);
});

test('no findings, or no provider: the stage is skipped, and without a provider no quota is spent', async () => {
  const tenant = await newTenant();
  const clean = await scan(tenant, site.cleanUrl, ['security']);
  expect(clean.analysis).toEqual({ status: 'skipped', reason: 'the scan found nothing to analyze' });
  const spent = async () => (await stack.db.prisma.aiQuota.findMany({ where: { org_id: tenant.orgId } }))[0]?.units_used;
  expect(await spent()).toBe(1);

  await clearProvider(stack.db.prisma, 'anthropic');
  await clearProvider(stack.db.prisma, 'openai');
  try {
    const run = await scan(tenant, site.defectsUrl, ['security']);
    expect(run.analysis).toEqual({ status: 'skipped', reason: 'no AI provider is configured' });
    expect(await spent()).toBe(1);
  } finally {
    await setProvider(stack.db.prisma, stack.config, { provider: 'anthropic', apiKey: ANTHROPIC_KEY, baseUrl: anthropic.baseUrl });
    await setProvider(stack.db.prisma, stack.config, { provider: 'openai', apiKey: OPENAI_KEY });
  }
  expect(anthropic.requests).toHaveLength(0);
});

test("accessibility: the Haiku review of the page's HTML is merged with axe, without duplicates, marked source llm", async () => {
  anthropic.accessibilityIssues = [
    { criterion: '1.1.1', element: '<img src="/hero.png">', axe_rule: 'image-alt', problem: 'No text alternative.', fix: 'Add alt text.', severity: 'high' },
    { criterion: '3.3.2', element: '<input type="text" name="email">', axe_rule: 'label', problem: 'No label.', fix: 'Add a label.', severity: 'high' },
    { criterion: '1.3.1', element: '<h4>', axe_rule: null, problem: 'Heading levels jump from h2 to h4.', fix: 'Use h3.', severity: 'low' },
  ];
  const tenant = await newTenant();
  const run = await scan(tenant, site.defectsUrl, ['accessibility']);
  expect(run.scanner_status.accessibility).toEqual({ status: 'done' });

  const review = anthropic.requests.find((r) => r.body.tools[0].name === 'record_accessibility_issues');
  expect(review?.body.model).toBe('claude-haiku-4-5-20251001');
  expect(review?.body.messages[0].content).toContain('<h4>Skipped a level</h4>');

  const findings = await findingsOf(tenant);
  const fromModel = findings.filter((f) => f.evidence.source === 'llm');
  expect(fromModel.map((f) => f.check_id)).toEqual(['accessibility.ai_review.wcag_1_3_1']);
  const axe = findings.filter((f) => f.check_id.startsWith('accessibility.axe.'));
  expect(axe.map((f) => f.check_id)).toEqual(expect.arrayContaining(['accessibility.axe.image-alt', 'accessibility.axe.label']));
  expect(fromModel[0]).toMatchObject({ title: 'WCAG 1.3.1 Info and Relationships (AI review)', confidence: 0.6 });
  expect(Math.max(...axe.map((f) => f.confidence))).toBe(1);
});

test('50 parallel kickoffs against a quota of 10 start exactly 10; the rest get 429 quota_exceeded and write nothing', async () => {
  const tenant = await newTenant();
  await setOrgQuota(stack.db.prisma, stack.config, tenant.orgId, 10);
  const kickoffs = await Promise.all(
    Array.from({ length: 50 }, () => api('POST', `${tenant.audit}/scans/run`, { key: tenant.writeKey, body: { url: site.cleanUrl, scanners: ['seo'] } })),
  );
  const accepted = kickoffs.filter((r) => r.status === 202);
  const refused = kickoffs.filter((r) => r.status === 429);
  expect([accepted.length, refused.length]).toEqual([10, 40]);

  const now = new Date();
  const reset = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  for (const r of refused) {
    expect(r.body).toMatchObject({ data: null, error: { code: 'quota_exceeded', details: { limit: 10, period: 'month', reset_at: reset.toISOString() } } });
    expect(r.body.error.message).toContain(reset.toISOString());
    const retryAfter = Number(r.headers.get('retry-after'));
    expect(Math.abs(retryAfter - (reset.getTime() - Date.now()) / 1000)).toBeLessThan(60);
  }
  const runs = await stack.db.prisma.scanRun.findMany({ where: { org_id: tenant.orgId }, select: { id: true, workflow_id: true } });
  expect(runs.map((r) => r.id).sort()).toEqual(accepted.map((r) => r.body.data.id).sort());
  const quota = await stack.db.prisma.aiQuota.findMany({ where: { org_id: tenant.orgId } });
  expect(quota.map((q) => [q.units_used, q.units_limit])).toEqual([[10, 10]]);
  // Every accepted run has its workflow; let them finish before the next test.
  await Promise.all(runs.map((r) => stack.temporal.client.workflow.getHandle(r.workflow_id).result()));
});

test('the keys are in no API response, log line, stored row or workflow history', async () => {
  const keys = [ANTHROPIC_KEY, OPENAI_KEY];
  const histories = await Promise.all(
    (await stack.db.prisma.scanRun.findMany({ select: { workflow_id: true } })).map(async (r) => {
      const history = await stack.temporal.client.workflow.getHandle(r.workflow_id).fetchHistory();
      // Payloads are bytes of JSON: searched decoded.
      return historyText(history);
    }),
  );
  const rows = await stack.db.prisma.$queryRaw<Array<{ text: string }>>`
    SELECT row_to_json(t)::text AS text FROM (SELECT * FROM scan_runs) t
    UNION ALL SELECT row_to_json(t)::text FROM (SELECT * FROM findings) t
    UNION ALL SELECT row_to_json(t)::text FROM (SELECT * FROM ai_provider_settings) t`;
  const asText = (_key: string, value: unknown) =>
    value instanceof Error ? { message: value.message, stack: value.stack, cause: value.cause } : typeof value === 'bigint' ? String(value) : value;
  const logs = [...apiLog, ...runtimeLog.map((e) => `${e.message} ${JSON.stringify(e.meta ?? {}, asText)}`)];

  // What was searched is real: scans with their histories, API logs, and the fallbacks' warnings.
  expect(histories.length).toBeGreaterThan(10);
  // The failing fakes echoed the key in their error bodies: it arrived, and was redacted.
  expect(histories.some((h) => h.includes('upstream failed for key [redacted]'))).toBe(true);
  expect(apiLog.length).toBeGreaterThan(50);
  expect(logs.some((line) => line.includes('AI provider openai failed'))).toBe(true);
  expect(responses.length).toBeGreaterThan(50);
  for (const [what, texts] of Object.entries({ responses, logs, rows: rows.map((r) => r.text), histories })) {
    for (const key of keys) {
      expect({ what, leaks: texts.filter((t) => t.includes(key)).length }).toEqual({ what, leaks: 0 });
    }
  }
});
