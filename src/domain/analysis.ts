/** The AI analysis stage of a scan, as stored in scan_runs.analysis and answered by the `status` query. */
// A type, not an interface: Prisma's Json input needs the implicit index signature.
export type AnalysisStage = {
  status: 'pending' | 'running' | 'done' | 'failed' | 'skipped';
  /** Why it was skipped or failed; on `done`, which findings the model did not analyze and why (the cap, the quota). */
  reason?: string;
};

/** Failure types of the analysis activity that a retry cannot fix (bad configuration, rejected requests). */
export const ANALYSIS_PERMANENT_FAILURES = ['AiNotConfigured', 'AiMisconfigured', 'AiRejected'];
