import { analyzeFindings, batchFindings, type FindingToAnalyze } from '../../../src/ai/finding-analysis.ts';
import type { LlmClient, StructuredRequest } from '../../../src/ai/llm-client.ts';

function finding(n: number): FindingToAnalyze {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    domain: 'security',
    checkId: `security.check_${n}`,
    title: `Finding ${n}`,
    severity: 'high',
    description: `Description ${n}`,
    evidence: { header: 'content-security-policy', count: n },
    ruleScores: { impact: 70, effort: 45, risk: 80, priority: 75 },
  };
}

/** A model that answers every finding it is shown (ids from the prompt's JSON lines), then tweaks the answer. */
function stubModel(tweak: (ids: string[], call: number) => string[] = (ids) => ids) {
  const prompts: string[] = [];
  const tools: string[] = [];
  const client: LlmClient = {
    async complete<T>(request: StructuredRequest<T>) {
      prompts.push(request.prompt);
      tools.push(request.answer.name);
      const ids = request.prompt.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l).id as string);
      const findings = tweak(ids, prompts.length).map((id, i) => ({
        id,
        impact: 90,
        effort: 10,
        risk: 85,
        priority_score: 95 - i,
        recommended_fix: { summary: `Fix ${id}`, steps: ['Do it', 'Rescan'] },
      }));
      const data = request.answer.name === 'record_analysis' ? { run: { health_score: 37, summary: 'Bad.' }, findings } : { findings };
      return { data: request.answer.schema.parse(data), provider: 'anthropic', model: 'claude-sonnet-4-5-20251022', usage: { inputTokens: 1, outputTokens: 1 } };
    },
  };
  return { client, prompts, tools };
}

test('batches by count and by prompt size, keeping order', () => {
  const items = Array.from({ length: 45 }, (_, i) => ({ id: i, text: 'x'.repeat(100) }));
  expect(batchFindings(items, { findings: 20, promptChars: 1_000_000 }).map((b) => b.length)).toEqual([20, 20, 5]);
  expect(batchFindings(items, { findings: 20, promptChars: 1_200 }).map((b) => b.length)).toEqual([10, 10, 10, 10, 5]);
  expect(batchFindings(items, { findings: 20, promptChars: 1_200 }).flat()).toEqual(items);
  // A finding larger than the budget still goes, alone.
  expect(batchFindings([{ text: 'y'.repeat(5_000) }, { text: 'z' }], { findings: 20, promptChars: 1_000 }).map((b) => b.length)).toEqual([1, 1]);
});

test('one request per batch of 10; the first also asks for the verdict over every finding', async () => {
  const findings = Array.from({ length: 45 }, (_, i) => finding(i + 1));
  const { client, prompts, tools } = stubModel();
  const done: Array<[number, number]> = [];
  const result = await analyzeFindings(client, { url: 'https://example.com/', findings }, { onRequestDone: (d, t) => void done.push([d, t]) });
  expect(tools).toEqual(['record_analysis', 'record_scores', 'record_scores', 'record_scores', 'record_scores']);
  expect(done).toEqual([1, 2, 3, 4, 5].map((d) => [d, 5]));
  expect(result.requests.map((r) => r.findings)).toEqual([10, 10, 10, 10, 5]);
  expect(result.verdict).toEqual({ health_score: 37, summary: 'Bad.' });
  expect(result.assessments.size).toBe(45);
  // The first prompt lists all 45 in one line each; the others carry only their own findings.
  expect(prompts[0]).toContain('The audit found 45 findings in all:');
  expect(prompts[0]).toContain('- F45 [security, high] Finding 45');
  expect(prompts[1]).not.toContain('in all');
  // Short ids go out; database ids and the page body never do.
  for (const prompt of prompts) expect(prompt).not.toMatch(/00000000-0000-4000/);
});

test('a single batch is not listed twice', async () => {
  const { client, prompts } = stubModel();
  await analyzeFindings(client, { url: 'https://example.com/', findings: [finding(1), finding(2)] });
  expect(prompts).toHaveLength(1);
  expect(prompts[0]).not.toContain('in all');
  expect(prompts[0]).toContain("Also give the run's verdict");
});

test('answers are matched back by id: unknown ids ignored, missing ones keep their rule scores', async () => {
  const findings = [finding(1), finding(2), finding(3)];
  // The model drops F2, invents F9, and answers F1 twice (the first answer counts).
  const { client } = stubModel(() => ['F3', 'F9', 'F1', 'F1']);
  const { assessments } = await analyzeFindings(client, { url: 'https://example.com/', findings });
  expect([...assessments.keys()].sort()).toEqual([findings[0]!.id, findings[2]!.id].sort());
  expect(assessments.get(findings[2]!.id)).toEqual({ impact: 90, effort: 10, risk: 85, priority: 95, recommendedFix: { summary: 'Fix F3', steps: ['Do it', 'Rescan'] } });
  expect(assessments.get(findings[0]!.id)?.priority).toBe(93);
});

test("an id from another batch does not count in this one's answer", async () => {
  const findings = Array.from({ length: 15 }, (_, i) => finding(i + 1));
  // The second request answers for F1 (asked in the first) and for its own F11 only.
  const { client } = stubModel((ids, call) => (call === 2 ? ['F1', 'F11'] : ids));
  const { assessments } = await analyzeFindings(client, { url: 'https://example.com/', findings });
  expect(assessments.size).toBe(11);
  expect(assessments.get(findings[0]!.id)?.priority).toBe(95);
});

test('requests go three at a time, and a failed one stops the rest from starting', async () => {
  const findings = Array.from({ length: 60 }, (_, i) => finding(i + 1));
  let inFlight = 0;
  let most = 0;
  let started = 0;
  const client: LlmClient = {
    async complete() {
      started++;
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inFlight--;
      throw new Error('provider down');
    },
  };
  await expect(analyzeFindings(client, { url: 'https://example.com/', findings })).rejects.toThrow('provider down');
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(most).toBe(3);
  expect(started).toBe(3);
});

test('evidence and descriptions are clipped, so one huge finding cannot crowd out the rest', async () => {
  const big = { ...finding(1), description: 'd'.repeat(10_000), evidence: { nodes: 'n'.repeat(50_000) } };
  const { client, prompts } = stubModel();
  await analyzeFindings(client, { url: 'https://example.com/', findings: [big] });
  expect(prompts[0]!.length).toBeLessThan(2_000);
});

test('each answered batch is saved before it counts as done, one reservation per request', async () => {
  const findings = Array.from({ length: 25 }, (_, i) => finding(i + 1));
  const { client } = stubModel();
  const events: string[] = [];
  const saved: Array<{ ids: string[]; verdict: unknown }> = [];
  const result = await analyzeFindings(
    client,
    { url: 'https://example.com/', findings },
    {
      reserve: async () => (events.push('reserve'), true),
      save: async (batch) => void saved.push({ ids: [...batch.assessments.keys()], verdict: batch.verdict }),
      onRequestDone: (d) => void events.push(`done ${d}`),
    },
  );
  expect(events.filter((e) => e === 'reserve')).toHaveLength(3);
  expect(saved.map((b) => b.ids.length).sort()).toEqual([10, 10, 5]);
  expect(saved.flatMap((b) => b.ids).sort()).toEqual(findings.map((f) => f.id).sort());
  // Only the first request carries the verdict.
  expect(saved.filter((b) => b.verdict !== null)).toEqual([{ ids: expect.any(Array), verdict: { health_score: 37, summary: 'Bad.' } }]);
  expect(result.unsent).toBe(0);
});

test('a refused reservation stops the stage: unsent findings are counted, in-flight requests finish', async () => {
  const findings = Array.from({ length: 60 }, (_, i) => finding(i + 1));
  const { client, prompts } = stubModel();
  let reservations = 0;
  const result = await analyzeFindings(client, { url: 'https://example.com/', findings }, { reserve: async () => ++reservations <= 4 });
  expect(prompts).toHaveLength(4);
  expect(result.requests).toHaveLength(4);
  expect(result.assessments.size).toBe(40);
  expect(result.unsent).toBe(20);
});

test('a request without an answer gives its reservation back; the failure still propagates', async () => {
  const findings = Array.from({ length: 5 }, (_, i) => finding(i + 1));
  let released = 0;
  const client: LlmClient = {
    async complete() {
      throw new Error('provider down');
    },
  };
  await expect(analyzeFindings(client, { url: 'https://example.com/', findings }, { release: async () => void released++ })).rejects.toThrow('provider down');
  expect(released).toBe(1);
});

test('findings answered by an earlier attempt are only listed; no verdict is asked for when the run has one', async () => {
  const findings = Array.from({ length: 25 }, (_, i) => finding(i + 1));
  const answered = new Set(findings.slice(0, 20).map((f) => f.id));
  const { client, prompts, tools } = stubModel();
  const result = await analyzeFindings(client, { url: 'https://example.com/', findings, answered, verdict: false });
  expect(tools).toEqual(['record_scores']);
  expect(prompts[0]!.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l).id)).toEqual(['F21', 'F22', 'F23', 'F24', 'F25']);
  expect([...result.assessments.keys()].sort()).toEqual(findings.slice(20).map((f) => f.id).sort());
  expect(result.verdict).toBeNull();

  // With the verdict still missing, the first request left asks for it, over all 25.
  const again = stubModel();
  await analyzeFindings(again.client, { url: 'https://example.com/', findings, answered, verdict: true });
  expect(again.tools).toEqual(['record_analysis']);
  expect(again.prompts[0]).toContain('The audit found 25 findings in all:');
});
