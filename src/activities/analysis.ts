import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { reviewAccessibility } from '../ai/accessibility-review.ts';
import { analyzeFindings, type FindingsAnalysis } from '../ai/finding-analysis.ts';
import { createLlmClient, LlmUnavailable, type LlmClient, type ProviderFailure } from '../ai/llm-client.ts';
import { isAiConfigured, loadProviders, type ProviderAccess } from '../ai/provider-settings.ts';
import type { AiReviewArtifacts } from '../checks/accessibility/ai-review.ts';
import type { AnalysisStage } from '../domain/analysis.ts';
import { ConfigError, type Config } from '../platform/config.ts';
import type { Db } from '../platform/db.ts';
import { heartbeating } from './heartbeat.ts';

export interface AnalysisOutcome {
  /** Findings whose scores and fix now come from the model. */
  scored: number;
  /** Model round-trips, one per batch, and who answered them. */
  requests: FindingsAnalysis['requests'];
}

type AiConfig = Pick<Config, 'SITEWARDEN_SECRET' | 'ANTHROPIC_BASE_URL' | 'OPENAI_BASE_URL' | 'AI_REQUEST_TIMEOUT_MS'>;

/**
 * The analysis stage (PRODUCT.md §4): the model scores every finding the scan saw and writes a fix
 * for it, and judges the run. The provider keys are loaded here, never passed in.
 */
export function createAnalysisActivities(prisma: Db, config: AiConfig) {
  return {
    /** Runs only when a provider is configured and the scan found something to analyze. */
    async planAnalysis(scanRunId: string): Promise<AnalysisStage> {
      const [configured, findings] = await Promise.all([isAiConfigured(prisma), prisma.finding.count({ where: analyzedFindings(scanRunId) })]);
      if (!configured) return { status: 'skipped', reason: 'no AI provider is configured' };
      if (findings === 0) return { status: 'skipped', reason: 'the scan found nothing to analyze' };
      return { status: 'pending' };
    },

    /** One transition of the stage; `done` is written by analyzeScanFindings with the scores, and never overwritten. */
    async recordAnalysisStage(scanRunId: string, stage: AnalysisStage): Promise<void> {
      await prisma.$executeRaw`
        UPDATE scan_runs SET analysis = ${JSON.stringify(stage)}::jsonb, updated_at = now()
         WHERE id = ${scanRunId}::uuid AND status = 'running' AND analysis->>'status' IS DISTINCT FROM 'done'`;
    },

    /**
     * Scores, fixes and the run's verdict from the model, written in one transaction that also
     * marks the stage done: a retry after that commit writes nothing twice.
     */
    async analyzeScanFindings(scanRunId: string): Promise<AnalysisOutcome> {
      const run = await prisma.scanRun.findUniqueOrThrow({ where: { id: scanRunId }, select: { url: true, analysis: true } });
      if ((run.analysis as AnalysisStage).status === 'done') return { scored: 0, requests: [] };
      const providers = await providersOrFail(prisma, config);
      const findings = await prisma.finding.findMany({
        where: analyzedFindings(scanRunId),
        orderBy: [{ priority_score: 'desc' }, { id: 'asc' }],
      });
      const analysis = await heartbeating(async (signal) => {
        try {
          return await analyzeFindings(
            llmClient(providers, config, signal),
            {
              url: run.url,
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
            (done, total) => Context.current().heartbeat({ requestsDone: done, requests: total }),
          );
        } catch (err) {
          if (!(err instanceof LlmUnavailable)) throw err;
          throw ApplicationFailure.create({ message: err.message, type: err.retryable ? 'AiUnavailable' : 'AiRejected', nonRetryable: !err.retryable });
        }
      });

      await prisma.$transaction(
        async (tx) => {
          const claimed = await tx.$executeRaw`
            UPDATE scan_runs
               SET analysis = ${JSON.stringify({ status: 'done' } satisfies AnalysisStage)}::jsonb,
                   summary = summary || ${JSON.stringify(analysis.verdict ?? {})}::jsonb,
                   updated_at = now()
             WHERE id = ${scanRunId}::uuid AND status = 'running' AND analysis->>'status' = 'running'`;
          if (claimed === 0) return;
          for (const finding of findings) {
            const assessment = analysis.assessments.get(finding.id);
            if (!assessment) continue;
            const updated = await tx.finding.update({
              where: { id: finding.id },
              data: {
                impact_score: assessment.impact,
                effort_score: assessment.effort,
                risk_score: assessment.risk,
                priority_score: assessment.priority,
                recommended_fix: assessment.recommendedFix,
                score_source: 'ai',
              },
            });
            if (updated.priority_score === finding.priority_score) continue;
            await tx.findingEvent.create({
              data: {
                org_id: updated.org_id,
                project_id: updated.project_id,
                finding_id: updated.id,
                kind: 'scored',
                status: updated.status,
                severity: updated.severity,
                priority_score: updated.priority_score,
                actor: `scan:${scanRunId}`,
              },
            });
          }
        },
        { timeout: 30_000 },
      );
      return { scored: analysis.assessments.size, requests: analysis.requests };
    },
  };
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
