import { z } from 'zod';
import { createLlmClient, LlmUnavailable, type LlmClientOptions, type ProviderFailure } from '../../../src/ai/llm-client.ts';
import { DEFAULT_MODELS, type ProviderAccess } from '../../../src/ai/provider-settings.ts';
import { startFakeAnthropic, startFakeOpenAi, type FakeLlm } from '../../support/fake-llm.ts';

// The real SDKs against fake Anthropic and OpenAI servers on 127.0.0.1.

const ANTHROPIC_KEY = 'sk-ant-test-0123456789abcdef';
const OPENAI_KEY = 'sk-openai-test-fedcba9876543210';

let anthropic: FakeLlm;
let openai: FakeLlm;
beforeAll(async () => {
  [anthropic, openai] = await Promise.all([startFakeAnthropic({ apiKey: ANTHROPIC_KEY, slowMs: 2_000 }), startFakeOpenAi({ apiKey: OPENAI_KEY })]);
});
afterAll(async () => {
  await Promise.all([anthropic.close(), openai.close()]);
});
beforeEach(() => {
  anthropic.reset();
  openai.reset();
});

const providers = (): ProviderAccess[] => [
  { provider: 'anthropic', apiKey: ANTHROPIC_KEY, baseUrl: anthropic.baseUrl, models: DEFAULT_MODELS.anthropic },
  { provider: 'openai', apiKey: OPENAI_KEY, baseUrl: openai.baseUrl, models: DEFAULT_MODELS.openai },
];

const answer = z.object({
  findings: z.array(z.object({ id: z.string(), impact: z.int().min(0).max(100), effort: z.int(), risk: z.int(), priority_score: z.int(), recommended_fix: z.object({ summary: z.string(), steps: z.array(z.string()) }) })),
});
const request = {
  task: 'analysis' as const,
  system: 'Score the findings.',
  prompt: 'Score these 2 findings (one JSON object per line):\n{"id":"F1","title":"CSP missing"}\n{"id":"F2","title":"No alt"}',
  maxTokens: 1_000,
  answer: { name: 'record_scores', description: 'Record the scores.', schema: answer },
};

function client(options: Partial<LlmClientOptions> = {}, access = providers()) {
  const failures: Array<[ProviderFailure, string]> = [];
  const sleeps: number[] = [];
  const llm = createLlmClient(access, {
    timeoutMs: 1_000,
    sleep: async (ms) => void sleeps.push(ms),
    onFailure: (failure, next) => failures.push([failure, next]),
    ...options,
  });
  return { llm, failures, sleeps };
}

test('asks Anthropic first, through a forced tool call, and validates the answer', async () => {
  const { llm, failures } = client();
  const result = await llm.complete(request);
  expect(result).toMatchObject({ provider: 'anthropic', model: 'claude-sonnet-4-5-20251022' });
  expect(result.data.findings.map((f) => f.id)).toEqual(['F1', 'F2']);
  expect(result.usage.inputTokens).toBeGreaterThan(0);
  expect(failures).toEqual([]);
  expect(openai.requests).toHaveLength(0);
  const [sent] = anthropic.requests;
  expect(sent?.authorization).toBe(`Bearer ${ANTHROPIC_KEY}`);
  expect(sent?.body).toMatchObject({
    model: 'claude-sonnet-4-5-20251022',
    system: 'Score the findings.',
    tool_choice: { type: 'tool', name: 'record_scores' },
    tools: [{ name: 'record_scores', input_schema: { type: 'object', required: ['findings'], additionalProperties: false } }],
  });
});

test('retries an Anthropic 429 once after 1 s, then succeeds', async () => {
  anthropic.script('rate_limited');
  const { llm, failures } = client({ sleep: undefined });
  const started = Date.now();
  const result = await llm.complete(request);
  expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
  expect(result.provider).toBe('anthropic');
  expect(anthropic.requests.map((r) => r.behaviour)).toEqual(['rate_limited', 'ok']);
  expect(failures.map(([f, next]) => [f.kind, next])).toEqual([['rate_limited', 'retry']]);
  expect(openai.requests).toHaveLength(0);
});

test('falls back to OpenAI (JSON schema, strict) after a second 429', async () => {
  anthropic.script('rate_limited', 'rate_limited');
  const { llm, sleeps, failures } = client();
  const result = await llm.complete(request);
  expect(result).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini' });
  expect(sleeps).toEqual([1_000]);
  expect(anthropic.requests).toHaveLength(2);
  expect(failures.map(([f, next]) => [f.provider, f.kind, next])).toEqual([
    ['anthropic', 'rate_limited', 'retry'],
    ['anthropic', 'rate_limited', 'fallback'],
  ]);
  const [sent] = openai.requests;
  expect(sent?.authorization).toBe(`Bearer ${OPENAI_KEY}`);
  expect(sent?.body).toMatchObject({
    model: 'gpt-4o-mini',
    messages: [{ role: 'system' }, { role: 'user' }],
    response_format: { type: 'json_schema', json_schema: { name: 'record_scores', strict: true, schema: { additionalProperties: false } } },
  });
});

test.each([
  ['server_error', 'server_error'],
  ['malformed_json', 'bad_answer'],
  ['schema_violation', 'bad_answer'],
  ['slow', 'timeout'],
] as const)('Anthropic %s: straight to OpenAI, no retry', async (behaviour, kind) => {
  anthropic.script(behaviour);
  const { llm, failures, sleeps } = client();
  const result = await llm.complete(request);
  expect(result.provider).toBe('openai');
  expect(anthropic.requests).toHaveLength(1);
  expect(sleeps).toEqual([]);
  expect(failures.map(([f, next]) => [f.kind, next])).toEqual([[kind, 'fallback']]);
});

test('an OpenAI answer that breaks the schema is an error, never data', async () => {
  anthropic.always('server_error');
  openai.script('schema_violation');
  const { llm } = client();
  const failure = await llm.complete(request).catch((err: unknown) => err);
  expect(failure).toBeInstanceOf(LlmUnavailable);
  expect((failure as LlmUnavailable).failures.map((f) => [f.provider, f.kind])).toEqual([
    ['anthropic', 'server_error'],
    ['openai', 'bad_answer'],
  ]);
  expect((failure as Error).message).toMatch(/openai: the answer does not match the schema \(findings\.0\.impact/);
});

test('both failing: a retryable LlmUnavailable whose message never holds a key', async () => {
  anthropic.always('server_error_echoing_key');
  openai.always('server_error_echoing_key');
  const { llm, failures } = client();
  const failure = (await llm.complete(request).catch((err: unknown) => err)) as LlmUnavailable;
  expect(failure).toBeInstanceOf(LlmUnavailable);
  expect(failure.retryable).toBe(true);
  expect(failure.message).toMatch(/^no AI provider answered: anthropic: HTTP 500: api_error: upstream failed for key \[redacted\]; openai: HTTP 500/);
  for (const text of [failure.message, JSON.stringify(failures), failure.stack ?? '']) {
    expect(text).not.toContain(ANTHROPIC_KEY);
    expect(text).not.toContain(OPENAI_KEY);
  }
});

test('keys both providers reject: not retryable', async () => {
  const wrongKeys = providers().map((p) => ({ ...p, apiKey: `${p.apiKey}-revoked` }));
  const { llm } = client({}, wrongKeys);
  const failure = (await llm.complete(request).catch((err: unknown) => err)) as LlmUnavailable;
  expect(failure.failures.map((f) => f.kind)).toEqual(['rejected', 'rejected']);
  expect(failure.retryable).toBe(false);
});

test('OpenAI alone when only OpenAI is configured; a 429 there is not retried', async () => {
  openai.script('rate_limited');
  const { llm, failures } = client({}, providers().slice(1));
  await expect(llm.complete(request)).rejects.toThrow(/openai: HTTP 429/);
  expect(failures.map(([f, next]) => [f.provider, next])).toEqual([['openai', 'give_up']]);
  expect(anthropic.requests).toHaveLength(0);
});

test('a cancelled call stops: no fallback', async () => {
  anthropic.script('slow');
  const controller = new AbortController();
  const { llm } = client({ timeoutMs: 10_000, signal: controller.signal });
  const call = llm.complete(request);
  setTimeout(() => controller.abort(), 100);
  await expect(call).rejects.toThrow();
  expect(openai.requests).toHaveLength(0);
});
