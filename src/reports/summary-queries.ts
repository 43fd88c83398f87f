import { OPEN_FINDING_STATUSES, OPEN_REGRESSION_STATUS } from '../domain/lifecycle.ts';
import { burnDownStart, riskBurnDown, summaryRates, type BurnDownPoint, type FindingStateEvent } from '../domain/report-summary.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import type { ReportMetrics } from './model.ts';

type Reader = Prisma.TransactionClient;

export interface ProjectScope {
  orgId: string;
  projectId: string;
}

/** PRODUCT.md §5's figures in one round trip. */
export async function loadMetrics(db: Reader, { orgId, projectId }: ProjectScope): Promise<ReportMetrics> {
  const [row] = await db.$queryRaw<Array<Record<string, bigint>>>`
    SELECT
      (SELECT count(*) FILTER (WHERE result = 'passed') FROM verifications WHERE org_id = ${orgId}::uuid AND project_id = ${projectId}) AS passed,
      (SELECT count(*) FROM verifications WHERE org_id = ${orgId}::uuid AND project_id = ${projectId}) AS verifications,
      (SELECT count(*) FROM regressions WHERE org_id = ${orgId}::uuid AND project_id = ${projectId} AND status = ${OPEN_REGRESSION_STATUS}::"RegressionStatus") AS open_regressions,
      (SELECT count(*) FILTER (WHERE status <> ALL(${[...OPEN_FINDING_STATUSES]}::"FindingStatus"[])) FROM findings WHERE org_id = ${orgId}::uuid AND project_id = ${projectId}) AS closed,
      (SELECT count(*) FILTER (WHERE status = ANY(${[...OPEN_FINDING_STATUSES]}::"FindingStatus"[])) FROM findings WHERE org_id = ${orgId}::uuid AND project_id = ${projectId}) AS open`;
  return summaryRates({
    verificationsPassed: Number(row?.passed ?? 0),
    verifications: Number(row?.verifications ?? 0),
    openRegressions: Number(row?.open_regressions ?? 0),
    closedFindings: Number(row?.closed ?? 0),
    openFindings: Number(row?.open ?? 0),
  });
}

/**
 * The burn-down from FindingEvent history: each finding's last event before the window, then
 * every event inside it (index finding_events(org_id, project_id, created_at)). A `detected`
 * event is written before the scan scores the finding, so its priority (0) is replaced by the
 * finding's own; every later event carries the priority of its time.
 */
export async function loadRiskBurnDown(db: Reader, { orgId, projectId }: ProjectScope, now: Date): Promise<BurnDownPoint[]> {
  const start = burnDownStart(now);
  const events = await db.$queryRaw<FindingStateEvent[]>`
    WITH history AS (
      (SELECT DISTINCT ON (finding_id) finding_id, kind, status, priority_score, created_at, id
         FROM finding_events
        WHERE org_id = ${orgId}::uuid AND project_id = ${projectId} AND created_at < ${start}
        ORDER BY finding_id, created_at DESC, id DESC)
      UNION ALL
      (SELECT finding_id, kind, status, priority_score, created_at, id
         FROM finding_events
        WHERE org_id = ${orgId}::uuid AND project_id = ${projectId} AND created_at >= ${start} AND created_at <= ${now}))
    SELECT h.finding_id, h.status::text AS status, h.created_at,
           CASE WHEN h.kind = 'detected' THEN f.priority_score ELSE h.priority_score END AS priority_score
      FROM history h JOIN findings f ON f.id = h.finding_id
     ORDER BY h.created_at, h.id`;
  return riskBurnDown(events, now);
}

export async function loadSummary(db: Reader, scope: ProjectScope, now: Date) {
  const [risk_burn_down, metrics] = await Promise.all([loadRiskBurnDown(db, scope, now), loadMetrics(db, scope)]);
  return { risk_burn_down, ...metrics };
}
