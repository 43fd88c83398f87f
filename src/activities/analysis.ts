import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { reviewAccessibility } from '../ai/accessibility-review.ts';
import { analyzeFindings, type AnsweredBatch, type FindingsAnalysis } from '../ai/finding-analysis.ts';
import { createLlmClient, LlmUnavailable, type LlmClient, type ProviderFailure } from '../ai/llm-client.ts';
import { isAiConfigured, loadProviders, type ProviderAccess } from '../ai/provider-settings.ts';
import type { AiReviewArtifacts } from '../checks/accessibility/ai-review.ts';
import type { AnalysisStage } from '../domain/analysis.ts';
import { ConfigError, type Config } from '../platform/config.ts';
import type { Db } from '../platform/db.ts';
import type { FindingStatus, Severity } from '../generated/prisma/enums.ts';
import { releaseAnalysisBatch, reserveAnalysisBatch, type QuotaConfig } from '../services/ai-quota.ts';
import { Prisma } from '../generated/prisma/client.ts';
import { appendScanEvent, changeScanRunAndLog } from '../services/scan-events.ts';
import { heartbeating } from './heartbeat.ts';

export interface AnalysisOutcome {
  /** Findings whose scores and fix now come from the model, in this attempt. */
  scored: number;
  /** Model round-trips of this attempt, one per batch, and who answered them. */
  requests: FindingsAnalysis['requests'];
}

type AiConfig = Pick<Config, 'SITEWARDEN_SECRET' | 'ANTHROPIC_BASE_URL' | 'OPENAI_BASE_URL' | 'AI_REQUEST_TIMEOUT_MS'>;
type AnalysisConfig = AiConfig & QuotaConfig & Pick<Config, 'AI_ANALYSIS_MAX_FINDINGS' | 'AI_ANALYSIS_BATCHES_PER_UNIT'>;

/**
 * The analysis stage (PRODUCT.md §4): the model scores the scan's findings (at most
 * AI_ANALYSIS_MAX_FINDINGS, highest priority first) and writes a fix for each, and judges the run.
 * The provider keys are loaded here, never passed in.
 */
export function createAnalysisActivities(prisma: Db, config: AnalysisConfig) {
  return {
    /** Runs only when a provider is configured and the scan found something to analyze. */
    async planAnalysis(scanRunId: string): Promise<AnalysisStage> {
      // Without a provider (no AI stage at all) the findings are not counted: one query, not three.
      if (!(await isAiConfigured(prisma))) return { status: 'skipped', reason: 'no AI provider is configured' };
      const [crawled, findings] = await Promise.all([
        prisma.crawlPage.count({ where: { scan_run_id: scanRunId } }),
        prisma.finding.count({ where: analyzedFindings(scanRunId) }),
      ]);
      // A crawl's page scans are a site's hundreds of pages: no model request (nor AI unit) each (docs/crawls.md).
      if (crawled) return { status: 'skipped', reason: 'scans of a crawl skip the AI stage' };
      if (findings === 0) return { status: 'skipped', reason: 'the scan found nothing to analyze' };
      return { status: 'pending' };
    },

    /** One transition of the stage; `done` is written by analyzeScanFindings with the scores, and never overwritten. */
    async recordAnalysisStage(scanRunId: string, given: AnalysisStage): Promise<void> {
      // Bounded: a failure's reason is what a provider answered.
      const stage: AnalysisStage = given.reason !== undefined ? { ...given, reason: given.reason.slice(0, 1_000) } : given;
      // A change is logged as a progress event (scan-events.ts), once: a retry finds the stage as it
      // set it. The change and its event in one statement (one round trip, where a transaction took four).
      await changeScanRunAndLog(
        prisma,
        scanRunId,
        {
          set: Prisma.sql`analysis = ${JSON.stringify(stage)}::jsonb`,
          where: Prisma.sql`status = 'running' AND analysis->>'status' IS DISTINCT FROM 'done' AND analysis IS DISTINCT FROM ${JSON.stringify(stage)}::jsonb`,
        },
        'analysis',
        stage,
      );
    },

    /**
     * Scores, fixes and the run's verdict from the model. Each answered batch is written as it
     * arrives (its findings by id order, one transaction per batch), so a retried attempt sends
     * only the findings no earlier attempt got an answer for; each request is paid for before it
     * is sent (reserveAnalysisBatch) and the stage stops sending when the org's quota is spent.
     */
    async analyzeScanFindings(scanRunId: string): Promise<AnalysisOutcome> {
      const run = await prisma.scanRun.findUniqueOrThrow({ where: { id: scanRunId }, select: { url: true, analysis: true, summary: true } });
      if ((run.analysis as AnalysisStage).status === 'done') return { scored: 0, requests: [] };
      const providers = await providersOrFail(prisma, config);
      // The cap takes the highest rule priorities. An earlier attempt's answers replaced the scores
      // of some (score_source `ai`: scoreScanFindings set every finding of this scan back to
      // `rules`), so the set is those plus the best of the rest: the same set as the first attempt's,
      // of which the answered ones are not sent (nor paid for) again.
      const [total, answeredRows] = await Promise.all([
        prisma.finding.count({ where: analyzedFindings(scanRunId) }),
        prisma.finding.findMany({ where: { ...analyzedFindings(scanRunId), score_source: 'ai' }, orderBy: { id: 'asc' }, take: config.AI_ANALYSIS_MAX_FINDINGS }),
      ]);
      const rest = await prisma.finding.findMany({
        where: { ...analyzedFindings(scanRunId), score_source: 'rules' },
        orderBy: [{ priority_score: 'desc' }, { id: 'asc' }],
        take: Math.max(0, config.AI_ANALYSIS_MAX_FINDINGS - answeredRows.length),
      });
      const findings = [...rest, ...answeredRows];
      const answered = new Set(answeredRows.map((f) => f.id));
      const hasVerdict = typeof (run.summary as Record<string, unknown> | null)?.health_score === 'number';
      const priorities = new Map(findings.map((f) => [f.id, f.priority_score]));

      const analysis = await heartbeating(async (signal) => {
        try {
          return await analyzeFindings(
            llmClient(providers, config, signal),
            {
              url: run.url,
              answered,
              verdict: !hasVerdict,
              findings: findings.map((f) => ({
                id: f.id,
                domain: f.domain,
                checkId: f.check_id,
                title: f.title,
                severity: f.severity,
                description: f.description,
                evidence: f.evidence,
                ruleScores: { impact: f.impact_score, effort: f.effort_score, risk: f.risk_score, priority: f.priority_score },
              })),
            },
            {
              reserve: async () => (await reserveAnalysisBatch(prisma, config, scanRunId, config.AI_ANALYSIS_BATCHES_PER_UNIT)).reserved,
              release: () => releaseAnalysisBatch(prisma, scanRunId),
              save: (batch) => saveBatch(prisma, scanRunId, batch, priorities),
              onRequestDone: (done, requests) => Context.current().heartbeat({ requestsDone: done, requests }),
            },
          );
        } catch (err) {
          if (!(err instanceof LlmUnavailable)) throw err;
          throw ApplicationFailure.create({ message: err.message, type: err.retryable ? 'AiUnavailable' : 'AiRejected', nonRetryable: !err.retryable });
        }
      });

      const analyzed = findings.length - analysis.unsent;
      const leftOut = [
        ...(findings.length < total ? [`the ${findings.length} highest-priority of ${total} findings were analyzed (AI_ANALYSIS_MAX_FINDINGS)`] : []),
        ...(analysis.unsent > 0 ? [`the AI quota was used up after ${analyzed} of the ${findings.length}`] : []),
      ];
      const done: AnalysisStage = leftOut.length ? { status: 'done', reason: `${leftOut.join('; ')}; the rest keep their rule scores` } : { status: 'done' };
      await prisma.$transaction(async (tx) => {
        const changed = await tx.$executeRaw`
          UPDATE scan_runs SET analysis = ${JSON.stringify(done)}::jsonb, updated_at = now()
           WHERE id = ${scanRunId}::uuid AND status = 'running' AND analysis->>'status' = 'running'`;
        if (changed) await appendScanEvent(tx, scanRunId, 'analysis', done);
      });
      return { scored: analysis.assessments.size, requests: analysis.requests };
    },
  };
}

/**
 * One answered batch, in one short transaction: the scan row first (the verdict, and the proof
 * that the stage is still running), then the findings in id order, so two transactions touching
 * the same findings always lock them in the same order. A finding is written only while it still
 * belongs to this scan and holds rule scores: never twice by two attempts.
 */
async function saveBatch(prisma: Db, scanRunId: string, batch: AnsweredBatch, priorities: Map<string, number>): Promise<void> {
  await prisma.$transaction(async (tx) => {
    const live = await tx.$executeRaw`
      UPDATE scan_runs SET summary = summary || ${JSON.stringify(batch.verdict ?? {})}::jsonb, updated_at = now()
       WHERE id = ${scanRunId}::uuid AND status = 'running' AND analysis->>'status' = 'running'`;
    if (live === 0) return; // the stage ended meanwhile (a stale attempt): write nothing
    const byId = [...batch.assessments].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [id, a] of byId) {
      const [updated] = await tx.$queryRaw<Array<{ org_id: string; project_id: string; status: FindingStatus; severity: Severity }>>`
        UPDATE findings
           SET impact_score = ${a.impact}, effort_score = ${a.effort}, risk_score = ${a.risk}, priority_score = ${a.priority},
               recommended_fix = ${JSON.stringify(a.recommendedFix)}::jsonb, score_source = 'ai', updated_at = now()
         WHERE id = ${id}::uuid AND last_seen_scan_id = ${scanRunId}::uuid AND score_source = 'rules'
        RETURNING org_id::text, project_id, status::text AS status, severity::text AS severity`;
      if (!updated || priorities.get(id) === a.priority) continue;
      await tx.findingEvent.create({
        data: {
          org_id: updated.org_id,
          project_id: updated.project_id,
          finding_id: id,
          kind: 'scored',
          status: updated.status,
          severity: updated.severity,
          priority_score: a.priority,
          actor: `scan:${scanRunId}`,
        },
      });
    }
  });
}

/** Findings the stage analyzes: those this scan saw, except dismissed ones (accepted risks). */
function analyzedFindings(scanRunId: string) {
  return { last_seen_scan_id: scanRunId, status: { not: 'dismissed' as const } };
}

async function providersOrFail(prisma: Db, config: AiConfig): Promise<ProviderAccess[]> {
  let providers: ProviderAccess[];
  try {
    providers = await loadProviders(prisma, config);
  } catch (err) {
    if (err instanceof ConfigError) throw ApplicationFailure.nonRetryable(err.message, 'AiMisconfigured');
    throw err;
  }
  if (providers.length === 0) throw ApplicationFailure.nonRetryable('no AI provider is configured', 'AiNotConfigured');
  return providers;
}

function llmClient(providers: ProviderAccess[], config: AiConfig, signal: AbortSignal): LlmClient {
  return createLlmClient(providers, {
    timeoutMs: config.AI_REQUEST_TIMEOUT_MS,
    signal,
    onFailure: (failure: ProviderFailure, next) => log.warn(`AI provider ${failure.provider} failed (${failure.kind}: ${failure.message}); ${NEXT_STEP[next]}`),
  });
}

const NEXT_STEP = { retry: 'retrying in 1 s', fallback: 'falling back to the next provider', give_up: 'no provider left' } as const;

export type AccessibilityReview =
  | { status: 'done'; review: AiReviewArtifacts['review'] }
  | { status: 'skipped' | 'failed'; reason: string };

/** The review must not hold the browser scanner past its own timeout. */
const REVIEW_DEADLINE_MS = 90_000;

/**
 * The accessibility scanner's AI review of the scan's page (its stored snapshot), when a provider
 * is configured. Only a cancellation propagates: axe-core's findings stand whatever else happens to the review.
 */
export async function reviewScannedPage(prisma: Db, config: AiConfig, scanRunId: string, signal: AbortSignal): Promise<AccessibilityReview> {
  const deadline = AbortSignal.timeout(REVIEW_DEADLINE_MS);
  try {
    const providers = await loadProviders(prisma, config);
    if (providers.length === 0) return { status: 'skipped', reason: 'no AI provider is configured' };
    const page = await prisma.pageSnapshot.findFirst({ where: { scan_run_id: scanRunId }, select: { final_url: true, body: true } });
    if (!page) return { status: 'skipped', reason: 'the page snapshot is gone' };
    const client = llmClient(providers, config, AbortSignal.any([signal, deadline]));
    return { status: 'done', review: await reviewAccessibility(client, page.final_url, page.body) };
  } catch (err) {
    if (signal.aborted) throw err;
    const reason = deadline.aborted ? `no answer within ${REVIEW_DEADLINE_MS / 1000} s` : err instanceof Error ? err.message : String(err);
    log.warn(`AI accessibility review failed: ${reason}`);
    return { status: 'failed', reason };
  }
}
