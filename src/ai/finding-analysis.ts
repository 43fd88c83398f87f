import type { z } from 'zod';
import type { LlmClient } from './llm-client.ts';
import {
  ANALYSIS_SYSTEM_PROMPT,
  buildAnalysisPrompt,
  findingsAndRunAnswer,
  findingsAnswer,
  type FindingAssessment,
  type OverviewLine,
  type PromptFinding,
  type RunVerdict,
} from './prompts/analysis.ts';

/**
 * The analysis of one scan's findings: batches that fit a request, one model round-trip each (a
 * few at a time), answers matched back by id. A finding the model leaves out, or answers under an
 * id it was not given, keeps its rule scores.
 */

export interface FindingToAnalyze {
  id: string;
  domain: string;
  checkId: string;
  title: string;
  severity: string;
  description: string;
  evidence: unknown;
  ruleScores: { impact: number; effort: number; risk: number; priority: number };
}

export interface Assessment {
  impact: number;
  effort: number;
  risk: number;
  priority: number;
  recommendedFix: { summary: string; steps: string[] };
}

export interface FindingsAnalysis {
  /** By finding id; only the findings the model answered for. */
  assessments: Map<string, Assessment>;
  /** The page's health score and executive summary; null only when there was nothing to analyze. */
  verdict: RunVerdict | null;
  requests: Array<{ provider: string; model: string; findings: number; inputTokens: number; outputTokens: number }>;
}

export const BATCH_LIMITS = {
  /** Bounded by the answer: about 250 output tokens per finding, so a batch answers in well under a minute. */
  findings: 10,
  /** Bounded by the prompt: well inside every default model's context. */
  promptChars: 60_000,
};
/** Requests in flight at once: the stage costs about one round-trip per this many batches. */
const CONCURRENT_REQUESTS = 3;
const EVIDENCE_CHARS = 800;
const DESCRIPTION_CHARS = 400;
const SUMMARY_CHARS = 2_000;
const FIX_CHARS = 500;
const MAX_TOKENS = 8_192;

export async function analyzeFindings(
  client: LlmClient,
  run: { url: string; findings: FindingToAnalyze[] },
  onRequestDone: (done: number, total: number) => void = () => undefined,
): Promise<FindingsAnalysis> {
  const refs = run.findings.map((f, i) => ({ ref: `F${i + 1}`, finding: f }));
  const prompted = refs.map(({ ref, finding }) => toPromptFinding(ref, finding));
  const batches = batchFindings(prompted);
  const wholeRun: OverviewLine[] = prompted.map(({ id, domain, severity, title }) => ({ id, domain, severity, title }));
  const idByRef = new Map(refs.map(({ ref, finding }) => [ref, finding.id]));

  let done = 0;
  const answers = await mapConcurrently(batches, CONCURRENT_REQUESTS, async (batch, index) => {
    // The first request also asks for the run's verdict, over every finding of the run.
    const withVerdict = index === 0;
    const prompt = buildAnalysisPrompt({ url: run.url, findings: batch, ...(withVerdict ? { wholeRun } : {}) });
    const ask = <T>(name: string, description: string, schema: z.ZodType<T>) =>
      client.complete({ task: 'analysis', system: ANALYSIS_SYSTEM_PROMPT, prompt, maxTokens: MAX_TOKENS, answer: { name, description, schema } });
    const answer = withVerdict
      ? await ask('record_analysis', 'Record the scores and fixes of the findings and the verdict of the run.', findingsAndRunAnswer)
      : await ask('record_scores', 'Record the scores and fixes of the findings.', findingsAnswer);
    onRequestDone(++done, batches.length);
    return { batch, answer };
  });

  const assessments = new Map<string, Assessment>();
  let verdict: RunVerdict | null = null;
  for (const { batch, answer } of answers) {
    const data: { run?: RunVerdict; findings: FindingAssessment[] } = answer.data;
    if (data.run) verdict = { health_score: data.run.health_score, summary: clip(data.run.summary, SUMMARY_CHARS) };
    const asked = new Set(batch.map((f) => f.id));
    for (const item of data.findings) {
      const id = asked.has(item.id) ? idByRef.get(item.id) : undefined;
      if (id && !assessments.has(id)) assessments.set(id, toAssessment(item));
    }
  }
  const requests = answers.map(({ batch, answer }) => ({ provider: answer.provider, model: answer.model, findings: batch.length, ...answer.usage }));
  return { assessments, verdict, requests };
}

/** `work` over `items`, at most `limit` at a time, results in order. After a failure no new item starts. */
async function mapConcurrently<T, R>(items: T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (next < items.length && !failed) {
      const index = next++;
      try {
        results[index] = await work(items[index]!, index);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

function toPromptFinding(ref: string, f: FindingToAnalyze): PromptFinding {
  return {
    id: ref,
    domain: f.domain,
    check_id: f.checkId,
    title: f.title,
    severity: f.severity,
    description: clip(f.description, DESCRIPTION_CHARS),
    evidence: clip(JSON.stringify(f.evidence ?? {}), EVIDENCE_CHARS),
    rule_scores: f.ruleScores,
  };
}

/** Consecutive batches of at most BATCH_LIMITS.findings findings and BATCH_LIMITS.promptChars characters. */
export function batchFindings<T>(findings: T[], limits = BATCH_LIMITS): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let chars = 0;
  for (const finding of findings) {
    const size = JSON.stringify(finding).length;
    if (current.length > 0 && (current.length >= limits.findings || chars + size > limits.promptChars)) {
      batches.push(current);
      current = [];
      chars = 0;
    }
    current.push(finding);
    chars += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

function toAssessment(item: FindingAssessment): Assessment {
  return {
    impact: item.impact,
    effort: item.effort,
    risk: item.risk,
    priority: item.priority_score,
    recommendedFix: {
      summary: clip(item.recommended_fix.summary, FIX_CHARS),
      steps: item.recommended_fix.steps.map((step) => clip(step, FIX_CHARS)),
    },
  };
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
