import { z } from 'zod';

/**
 * The analysis prompt (Sonnet; gpt-4o-mini as fallback): per finding impact, effort, risk, priority
 * and a recommended fix, and for the run a health score and a plain-language summary. Built from
 * the findings' ids, titles, descriptions, evidence and domains only: no page body, no secrets.
 */

export const ANALYSIS_SYSTEM_PROMPT = `You are a senior web engineer who triages the findings of an automated website audit (security, performance, accessibility, SEO) for the team that owns the site.

For every finding you are given, answer with:
- impact (0-100): how much harm the defect does to the site's visitors or owner if left as it is.
- effort (0-100): how much work the fix takes for a typical web team (0 = a one-line config change, 100 = a re-architecture).
- risk (0-100): how likely the harm is to happen, given the evidence and how exploitable or visible the defect is.
- priority_score (0-100): the order in which to fix things; high impact and risk and low effort come first. A security hole usually outranks a cosmetic SEO issue.
- recommended_fix: a one-sentence summary and 2 to 6 concrete steps, specific to the evidence (name the header, element or setting). Do not invent facts that the evidence does not support.

Each finding arrives with rule_scores, the deterministic scores of a rule engine: use them as a baseline and depart from them when the evidence says so.
Answer for every finding by its id, exactly as given. Answer through the tool only.`;

const score = z.int().min(0).max(100);

const findingAssessment = z.object({
  id: z.string().describe('the id of the finding, exactly as given'),
  impact: score,
  effort: score,
  risk: score,
  priority_score: score,
  recommended_fix: z.object({
    summary: z.string().min(1).describe('one sentence'),
    steps: z.array(z.string().min(1)).min(1).max(8).describe('2 to 6 concrete steps'),
  }),
});

const runVerdict = z.object({
  health_score: score.describe("the page's overall health: 100 = nothing to fix, 0 = severely broken or unsafe"),
  summary: z.string().min(1).describe('an executive summary in plain language for the site owner: 2 to 5 sentences, the most important risks first'),
});

export const findingsAnswer = z.object({ findings: z.array(findingAssessment) });
export const findingsAndRunAnswer = z.object({ run: runVerdict, findings: z.array(findingAssessment) });

export type FindingAssessment = z.infer<typeof findingAssessment>;
export type RunVerdict = z.infer<typeof runVerdict>;

/** A finding as the model sees it; `id` is a short reference local to the request, not the database id. */
export interface PromptFinding {
  id: string;
  domain: string;
  check_id: string;
  title: string;
  severity: string;
  description: string;
  evidence: string;
  rule_scores: { impact: number; effort: number; risk: number; priority: number };
}

/** One line of the run-wide overview. */
export type OverviewLine = Pick<PromptFinding, 'id' | 'domain' | 'severity' | 'title'>;

export interface AnalysisPromptInput {
  url: string;
  findings: PromptFinding[];
  /**
   * Set on the one request that also asks for the run's verdict: every finding of the run. When the
   * run needs more than one request, the findings of the others are listed one line each.
   */
  wholeRun?: OverviewLine[];
}

export function buildAnalysisPrompt({ url, findings, wholeRun }: AnalysisPromptInput): string {
  const lines = [`Audited page: ${url}`, ''];
  if (wholeRun && wholeRun.length > findings.length) {
    lines.push(`The audit found ${wholeRun.length} findings in all:`, ...wholeRun.map((f) => `- ${f.id} [${f.domain}, ${f.severity}] ${f.title}`), '');
  }
  lines.push(`Score these ${findings.length} findings (one JSON object per line):`, ...findings.map((f) => JSON.stringify(f)));
  if (wholeRun) {
    lines.push('', `Also give the run's verdict: the page's health_score and an executive summary, judged on all ${wholeRun.length} findings.`);
  }
  return lines.join('\n');
}
