import { randomBytes } from 'node:crypto';
import { setProvider } from '../../src/ai/provider-settings.ts';
import { scoreFinding } from '../../src/domain/scoring.ts';
import { migrate } from '../../src/platform/migrate.ts';
import { setOrgQuota } from '../../src/services/ai-quota.ts';
import { startFakeAnthropic, startFakeOpenAi, type FakeLlm, type RecordedRequest } from '../support/fake-llm.ts';
import { startFixtureSite, type FixtureSite } from '../support/fixture-site.ts';
import { createScratchDatabase, dropDatabase } from '../support/scratch-database.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { createTenant, type Tenant } from '../support/tenants.ts';
import { scanToEnd } from '../support/scans.ts';

// What one scan's AI stage may cost (docs/ai.md, "What a scan costs"): at most
// AI_ANALYSIS_MAX_FINDINGS findings, highest priority first; one unit per
// AI_ANALYSIS_BATCHES_PER_UNIT requests, the kickoff's unit paying for the first; each answered
// batch saved at once, so a retried attempt neither sends nor pays for it again.
// Providers are instance-wide: this file has a database of its own.

const ANTHROPIC_KEY = `sk-ant-api03-${randomBytes(24).toString('base64url')}`;
const OPENAI_KEY = `sk-proj-${randomBytes(24).toString('base64url')}`;
const CAP = 15; // two batches: 10 and 5
const PER_UNIT = 1; // the second batch charges a unit

let databaseUrl: string;
let stack: Stack;
let site: FixtureSite;
let anthropic: FakeLlm;
let openai: FakeLlm;

beforeAll(async () => {
  databaseUrl = await createScratchDatabase();
  await migrate(databaseUrl);
  [anthropic, openai, site] = await Promise.all([startFakeAnthropic({ apiKey: ANTHROPIC_KEY }), startFakeOpenAi({ apiKey: OPENAI_KEY }), startFixtureSite()]);
  stack = await startStack({
    DATABASE_URL: databaseUrl,
    SITEWARDEN_SECRET: randomBytes(32).toString('base64url'),
    OPENAI_BASE_URL: openai.baseUrl,
    AI_ANALYSIS_MAX_FINDINGS: String(CAP),
    AI_ANALYSIS_BATCHES_PER_UNIT: String(PER_UNIT),
  });
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

const scan = (tenant: Tenant) => scanToEnd(tenant, site.defectsUrl, ['security', 'seo']);

const unitsUsed = async (orgId: string) => (await stack.db.prisma.aiQuota.findMany({ where: { org_id: orgId } })).reduce((n, q) => n + q.units_used, 0);

/** The findings (by title) a request asked to score. */
const askedRefs = (r: RecordedRequest) =>
  (r.body.messages[0].content as string)
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l).title as string)
    .sort();

async function findingsOfRun(runId: string) {
  return stack.db.prisma.finding.findMany({ where: { last_seen_scan_id: runId }, orderBy: { id: 'asc' } });
}

test('a page with more findings than the cap: the highest-priority ones go to the model, the rest keep rule scores, one unit per batch after the first', async () => {
  const tenant = await createTenant(stack.db.prisma, stack.baseUrl);
  const run = await scan(tenant);
  const findings = await findingsOfRun(run.id);
  expect(findings.length).toBeGreaterThan(CAP);
  expect(run).toMatchObject({
    status: 'completed',
    analysis: { status: 'done', reason: `the ${CAP} highest-priority of ${findings.length} findings were analyzed (AI_ANALYSIS_MAX_FINDINGS); the rest keep their rule scores` },
  });

  // The rule engine's order (priority, then id) decides which ones the model saw.
  const rulePriority = (f: (typeof findings)[number]) =>
    scoreFinding({ domain: f.domain, severity: f.severity, checkId: f.check_id, confidence: f.confidence, evidence: f.evidence as Record<string, unknown> }).priority;
  const expected = [...findings].sort((a, b) => rulePriority(b) - rulePriority(a) || (a.id < b.id ? -1 : 1)).slice(0, CAP);
  const analyzed = findings.filter((f) => f.score_source === 'ai');
  expect(analyzed.map((f) => f.id).sort()).toEqual(expected.map((f) => f.id).sort());
  expect(findings.filter((f) => f.score_source === 'rules').every((f) => f.priority_score === rulePriority(f) && f.recommended_fix === null)).toBe(true);

  expect(anthropic.requests.map((r) => askedRefs(r).length).sort()).toEqual([10, 5]);
  expect(await unitsUsed(tenant.orgId)).toBe(2); // the kickoff's, and one for the second batch
  const row = await stack.db.prisma.scanRun.findUniqueOrThrow({ where: { id: run.id } });
  expect([row.analysis_batches, row.analysis_units]).toEqual([2, 1]);
});

test('the quota spent mid-stage: no further batch is sent, the stage is done with the reason', async () => {
  const tenant = await createTenant(stack.db.prisma, stack.baseUrl);
  await setOrgQuota(stack.db.prisma, stack.config, tenant.orgId, 1); // the kickoff takes it
  const run = await scan(tenant);
  expect(run.status).toBe('completed');
  expect(run.analysis.status).toBe('done');
  expect(run.analysis.reason).toMatch(/; the AI quota was used up after 10 of the 15; the rest keep their rule scores$/);
  expect(anthropic.requests).toHaveLength(1);
  expect(askedRefs(anthropic.requests[0]!)).toHaveLength(10);
  const findings = await findingsOfRun(run.id);
  expect(findings.filter((f) => f.score_source === 'ai')).toHaveLength(10);
  expect(await unitsUsed(tenant.orgId)).toBe(1);
});

test('a batch without an answer is retried alone: the answered one is neither sent nor paid for again', async () => {
  // The second request to arrive fails at both providers; the activity's second attempt follows.
  anthropic.script('ok', 'server_error');
  openai.script('server_error');
  const tenant = await createTenant(stack.db.prisma, stack.baseUrl);
  const run = await scan(tenant);
  expect(run.status).toBe('completed');
  expect(run.analysis.status).toBe('done');

  const [first, failed, retried] = [anthropic.requests[0]!, anthropic.requests[1]!, anthropic.requests[2]!];
  expect(anthropic.requests.map((r) => r.behaviour)).toEqual(['ok', 'server_error', 'ok']);
  expect(openai.requests).toHaveLength(1);
  // The retry asks for exactly the findings of the failed request, not those of the answered one.
  expect(askedRefs(retried)).toEqual(askedRefs(failed));
  expect(askedRefs(retried)).not.toEqual(askedRefs(first));

  const findings = await findingsOfRun(run.id);
  expect(findings.filter((f) => f.score_source === 'ai')).toHaveLength(CAP);
  // Each analyzed finding was written once: one `scored` event each at most, and two units in all.
  const events = await stack.db.prisma.findingEvent.groupBy({ by: ['finding_id'], where: { kind: 'scored', actor: `scan:${run.id}` }, _count: true });
  expect(events.every((e) => e._count === 1)).toBe(true);
  expect(await unitsUsed(tenant.orgId)).toBe(2);
  const row = await stack.db.prisma.scanRun.findUniqueOrThrow({ where: { id: run.id } });
  expect([row.analysis_batches, row.analysis_units]).toEqual([2, 1]);
  // The verdict came with whichever request asked for it, once.
  expect(run.summary.health_score).toBe(42);
});
