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

export interface AnsweredBatch {
  /** By finding id; only the findings the model answered for. */
  assessments: Map<string, Assessment>;
  /** The page's health score and executive summary, on the request that asked for it. */
  verdict: RunVerdict | null;
  request: { provider: string; model: string; findings: number; inputTokens: number; outputTokens: number };
}

export interface FindingsAnalysis {
  /** By finding id; only the findings the model answered for. */
  assessments: Map<string, Assessment>;
  /** The page's health score and executive summary; null when it was not asked for or nothing was sent. */
  verdict: RunVerdict | null;
  requests: Array<AnsweredBatch['request']>;
  /** Findings not sent because `reserve` refused their batch (the AI quota is spent). */
  unsent: number;
}

/** How the caller pays for and keeps each request: the stage saves batch by batch. */
export interface BatchHooks {
  /** Before each request; false stops the stage from sending any more (the in-flight ones finish). */
  reserve?: () => Promise<boolean>;
  /** A reserved request that got no answer. */
  release?: () => Promise<void>;
  /** Each answered batch, kept before it counts as done: a retry need not ask for it again. */
  save?: (batch: AnsweredBatch) => Promise<void>;
  onRequestDone?: (done: number, total: number) => void;
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

/**
 * `run.findings` is the whole set the stage analyzes (already capped by the caller, highest
 * priority first); those in `run.answered` were scored by an earlier attempt and are only listed
 * in the overview. The verdict is asked for on the first request when `run.verdict` is set.
 */
export async function analyzeFindings(
  client: LlmClient,
  run: { url: string; findings: FindingToAnalyze[]; answered?: ReadonlySet<string>; verdict?: boolean },
  hooks: BatchHooks = {},
): Promise<FindingsAnalysis> {
  const refs = run.findings.map((f, i) => ({ ref: `F${i + 1}`, finding: f }));
  const prompted = refs.map(({ ref, finding }) => toPromptFinding(ref, finding));
  const pending = prompted.filter((_, i) => !run.answered?.has(refs[i]!.finding.id));
  const batches = batchFindings(pending);
  const wholeRun: OverviewLine[] = prompted.map(({ id, domain, severity, title }) => ({ id, domain, severity, title }));
  const idByRef = new Map(refs.map(({ ref, finding }) => [ref, finding.id]));
  const askVerdict = run.verdict ?? true;

  let done = 0;
  const { results, stopped } = await mapConcurrently(batches, CONCURRENT_REQUESTS, hooks.reserve ?? (async () => true), async (batch, index) => {
    // The first request also asks for the run's verdict, over every finding of the run.
    const withVerdict = askVerdict && index === 0;
    const prompt = buildAnalysisPrompt({ url: run.url, findings: batch, ...(withVerdict ? { wholeRun } : {}) });
    const ask = <T>(name: string, description: string, schema: z.ZodType<T>) =>
      client.complete({ task: 'analysis', system: ANALYSIS_SYSTEM_PROMPT, prompt, maxTokens: MAX_TOKENS, answer: { name, description, schema } });
    let answer;
    try {
      answer = withVerdict
        ? await ask('record_analysis', 'Record the scores and fixes of the findings and the verdict of the run.', findingsAndRunAnswer)
        : await ask('record_scores', 'Record the scores and fixes of the findings.', findingsAnswer);
    } catch (err) {
      await hooks.release?.();
      throw err;
    }
    const answered = readAnswer(batch, answer.data, idByRef);
    const result: AnsweredBatch = {
      ...answered,
      request: { provider: answer.provider, model: answer.model, findings: batch.length, ...answer.usage },
    };
    await hooks.save?.(result);
    hooks.onRequestDone?.(++done, batches.length);
    return result;
  });

  const assessments = new Map<string, Assessment>();
  let verdict: RunVerdict | null = null;
  for (const result of results) {
    if (!result) continue;
    verdict ??= result.verdict;
    for (const [id, assessment] of result.assessments) if (!assessments.has(id)) assessments.set(id, assessment);
  }
  const unsent = batches.filter((_, i) => stopped.has(i)).reduce((n, b) => n + b.length, 0);
  return { assessments, verdict, requests: results.filter((r) => r !== undefined).map((r) => r.request), unsent };
}

/** The answer matched back to the batch: an id the batch was not given is ignored, a duplicate counts once. */
function readAnswer(
  batch: PromptFinding[],
  data: { run?: RunVerdict; findings: FindingAssessment[] },
  idByRef: Map<string, string>,
): Pick<AnsweredBatch, 'assessments' | 'verdict'> {
  const verdict = data.run ? { health_score: data.run.health_score, summary: clip(data.run.summary, SUMMARY_CHARS) } : null;
  const asked = new Set(batch.map((f) => f.id));
  const assessments = new Map<string, Assessment>();
  for (const item of data.findings) {
    const id = asked.has(item.id) ? idByRef.get(item.id) : undefined;
    if (id && !assessments.has(id)) assessments.set(id, toAssessment(item));
  }
  return { assessments, verdict };
}

/**
 * `work` over `items`, at most `limit` at a time, results by index. Each item starts only once
 * `admit` says yes; after a refusal or a failure no new item starts (`stopped` names the items
 * never started after a refusal), and a failure is thrown once the items in flight have settled.
 */
async function mapConcurrently<T, R>(
  items: T[],
  limit: number,
  admit: () => Promise<boolean>,
  work: (item: T, index: number) => Promise<R>,
): Promise<{ results: Array<R | undefined>; stopped: Set<number> }> {
  const results: Array<R | undefined> = [];
  const stopped = new Set<number>();
  let next = 0;
  let failed = false;
  let refused = false;
  // Admissions are asked one after the other, in item order: the first items are paid for first.
  let admissions = Promise.resolve(true);
  const lane = async () => {
    while (next < items.length && !failed && !refused) {
      const index = next++;
      try {
        // After a refusal or a failure nothing more is admitted (an admission is a reservation).
        const admitted = (admissions = admissions.then((previous) => (previous && !failed ? admit() : false)));
        if (!(await admitted)) {
          refused = true;
          break;
        }
        results[index] = await work(items[index]!, index);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  // Every lane settles before a failure propagates: no request (nor its save) outlives the attempt,
  // so a retry never races the attempt it replaces.
  const settled = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, lane));
  const failure = settled.find((s) => s.status === 'rejected');
  if (failure) throw failure.reason;
  if (refused) for (let i = 0; i < items.length; i++) if (results[i] === undefined) stopped.add(i);
  return { results, stopped };
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
