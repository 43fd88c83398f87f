import { ActivityFailure, ApplicationFailure, patched, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { REPORT_BUILD_TIMEOUT_MS } from '../domain/activity-timeouts.ts';

export interface ReportExportInput {
  reportId: string;
}

export type ReportExportOutcome = { status: 'exported'; sha256: string } | { status: 'failed'; reason: string };

/**
 * The build activity's type was `writeReportArtefact` until the project settled on one spelling,
 * "artifact": runs started before keep scheduling it by that name (the worker registers both).
 */
export const REPORT_ARTIFACT_PATCH = 'report-artifact-name';

/** Failures a retry cannot fix: the activities raise them as non-retryable. */
const PERMANENT = ['ReportNotFound', 'StorageRefused', 'SigningKeyUnavailable'];

const bookkeeping = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 milliseconds', maximumAttempts: 20 },
});
const recording = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 5, nonRetryableErrorTypes: PERMANENT },
});

/** Building streams to storage: transient storage errors are retried, with backoff, from scratch. */
function builder(taskQueue?: string) {
  return proxyActivities<Activities>({
    ...(taskQueue ? { taskQueue } : {}),
    // The build's own limit (its snapshot transaction) plus the bookkeeping: never the same length.
    startToCloseTimeout: REPORT_BUILD_TIMEOUT_MS,
    heartbeatTimeout: '30 seconds',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 4, nonRetryableErrorTypes: PERMANENT },
  });
}

/**
 * One export: `exporting`, build the artifact into storage (a PDF on the browser queue), sign
 * it and mark the report `exported`; any failure left after retries marks it `failed` with the
 * reason. Only references and facts pass through history, never the artifact.
 */
export async function ReportExportWorkflow({ reportId }: ReportExportInput): Promise<ReportExportOutcome> {
  try {
    const plan = await bookkeeping.startReportExport(reportId);
    const build = builder(plan.format === 'pdf' ? plan.browserTaskQueue : undefined);
    const artifact = await (patched(REPORT_ARTIFACT_PATCH) ? build.writeReportArtifact(reportId) : build.writeReportArtefact(reportId));
    await recording.recordReportExport(reportId, artifact);
    return { status: 'exported', sha256: artifact.sha256 };
  } catch (err) {
    const reason = failureReason(err);
    await bookkeeping.failReportExport(reportId, reason);
    return { status: 'failed', reason };
  }
}

export interface ReportShareInput {
  deliveryId: string;
}

const delivery = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 6,
    nonRetryableErrorTypes: ['TargetRefused', 'WebhookRejected', 'MailRejected', 'NotConfigured'],
  },
});

/** One email or Slack delivery of a shared report, retried with backoff; best-effort: a failure is recorded, not raised. */
export async function ReportShareWorkflow({ deliveryId }: ReportShareInput): Promise<'delivered' | 'failed'> {
  try {
    await delivery.deliverReportShare(deliveryId);
    return 'delivered';
  } catch (err) {
    await bookkeeping.failReportShare(deliveryId, failureReason(err));
    return 'failed';
  }
}

/** The user-facing reason: the activity's own message, not Temporal's wrapper. */
function failureReason(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure || cause instanceof Error) return cause.message;
  return 'unknown failure';
}
