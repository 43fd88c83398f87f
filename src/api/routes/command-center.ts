import { Router } from 'express';
import { OPEN_FINDING_STATUSES, OPEN_REGRESSION_STATUS, OPEN_TASK_STATUSES } from '../../domain/lifecycle.ts';
import type { Db } from '../../platform/db.ts';
import { DOMAINS, SEVERITIES } from '../../reports/model.ts';
import type { ApiDeps } from '../deps.ts';
import { sendData } from '../envelope.ts';
import { requireScope } from '../middleware/auth.ts';
import { serializeFinding } from '../serializers/finding.ts';
import { iso } from '../serializers/time.ts';

const LISTED = 5;

type Scope = { orgId: string; projectId: string };

/**
 * Krafter's quickstart step 2: the project at a glance. Each block is one query, all run at
 * once; every one is served by an (org_id, project_id, …) index, so it stays fast on 10 000
 * findings.
 */
export function commandCenterRouter({ db }: ApiDeps): Router {
  const router = Router({ mergeParams: true });
  router.get('/command-center', requireScope('audit:read'), async (_req, res) => {
    const scope = res.locals.tenant;
    const [latestScan, findings, topFindings, tasks, verifications, regressions] = await Promise.all([
      latestScanBlock(db.prisma, scope),
      findingsBlock(db.prisma, scope),
      db.prisma.finding.findMany({
        where: { org_id: scope.orgId, project_id: scope.projectId, status: { in: [...OPEN_FINDING_STATUSES] } },
        orderBy: [{ priority_score: 'desc' }, { inserted_at: 'desc' }, { id: 'desc' }],
        take: LISTED,
      }),
      tasksBlock(db.prisma, scope),
      verificationsBlock(db.prisma, scope),
      regressionsBlock(db.prisma, scope),
    ]);
    sendData(res, 200, {
      latest_scan: latestScan,
      findings,
      top_findings: topFindings.map(serializeFinding),
      tasks,
      verifications,
      regressions,
    });
  });
  return router;
}

async function latestScanBlock(prisma: Db, { orgId, projectId }: Scope) {
  const run = await prisma.scanRun.findFirst({
    where: { org_id: orgId, project_id: projectId },
    orderBy: [{ inserted_at: 'desc' }, { id: 'desc' }],
    select: { id: true, url: true, status: true, finished_at: true, summary: true },
  });
  if (!run) return null;
  const score = (run.summary as Record<string, unknown>).health_score;
  return { id: run.id, url: run.url, status: run.status, finished_at: iso(run.finished_at), health_score: typeof score === 'number' ? score : null };
}

/** Open findings counted by severity and by domain in one pass (GROUPING SETS). */
async function findingsBlock(prisma: Db, { orgId, projectId }: Scope) {
  const rows = await prisma.$queryRaw<Array<{ severity: string | null; domain: string | null; n: number }>>`
    SELECT severity::text AS severity, domain::text AS domain, count(*)::int AS n
      FROM findings
     WHERE org_id = ${orgId}::uuid AND project_id = ${projectId} AND status = ANY(${[...OPEN_FINDING_STATUSES]}::"FindingStatus"[])
     GROUP BY GROUPING SETS ((severity), (domain))`;
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, rows.find((r) => r.severity === s)?.n ?? 0]));
  const byDomain = Object.fromEntries(DOMAINS.map((d) => [d, rows.find((r) => r.domain === d)?.n ?? 0]));
  return { open: Object.values(bySeverity).reduce((a, b) => a + b, 0), by_severity: bySeverity, by_domain: byDomain };
}

/** Open tasks (not done) by status, and those past their SLA, the most overdue first. */
async function tasksBlock(prisma: Db, { orgId, projectId }: Scope) {
  const [row] = await prisma.$queryRaw<Array<{ by_status: Record<string, number>; past_sla: number; overdue: Array<Record<string, string>> }>>`
    WITH open_tasks AS (
      SELECT id, finding_id, title, status, priority, sla_due_at
        FROM tasks
       WHERE org_id = ${orgId}::uuid AND project_id = ${projectId} AND status = ANY(${[...OPEN_TASK_STATUSES]}::"TaskStatus"[]))
    SELECT
      (SELECT coalesce(json_object_agg(status, n), '{}') FROM (SELECT status, count(*)::int AS n FROM open_tasks GROUP BY status) s) AS by_status,
      (SELECT count(*)::int FROM open_tasks WHERE sla_due_at < now()) AS past_sla,
      (SELECT coalesce(json_agg(o ORDER BY o.sla_due_at), '[]')
         FROM (SELECT id, finding_id, title, status, priority, sla_due_at FROM open_tasks WHERE sla_due_at < now() ORDER BY sla_due_at LIMIT ${LISTED}) o) AS overdue`;
  const byStatus = Object.fromEntries(OPEN_TASK_STATUSES.map((s) => [s, row?.by_status[s] ?? 0]));
  return {
    open: Object.values(byStatus).reduce((a, b) => a + b, 0),
    by_status: byStatus,
    past_sla: row?.past_sla ?? 0,
    past_sla_tasks: (row?.overdue ?? []).map((t) => ({ ...t, sla_due_at: new Date(t.sla_due_at!).toISOString() })),
  };
}

/** Verifications that passed their checks and wait for someone to approve them. */
async function verificationsBlock(prisma: Db, { orgId, projectId }: Scope) {
  const rows = await prisma.$queryRaw<Array<{ id: string; task_id: string; finding_id: string; created_at: Date; total: number }>>`
    SELECT id, task_id, finding_id, created_at, count(*) OVER ()::int AS total
      FROM verifications
     WHERE org_id = ${orgId}::uuid AND project_id = ${projectId} AND result = 'passed' AND verified_at IS NULL AND reopened_at IS NULL
     ORDER BY created_at DESC, id DESC
     LIMIT ${LISTED}`;
  return {
    awaiting_approval: rows[0]?.total ?? 0,
    items: rows.map(({ total: _total, created_at, ...v }) => ({ ...v, created_at: created_at.toISOString() })),
  };
}

async function regressionsBlock(prisma: Db, { orgId, projectId }: Scope) {
  const rows = await prisma.$queryRaw<Array<{ id: string; finding_id: string; trigger: string; opened_at: Date; total: number }>>`
    SELECT id, finding_id, trigger::text AS trigger, opened_at, count(*) OVER ()::int AS total
      FROM regressions
     WHERE org_id = ${orgId}::uuid AND project_id = ${projectId} AND status = ${OPEN_REGRESSION_STATUS}::"RegressionStatus"
     ORDER BY opened_at DESC, id DESC
     LIMIT ${LISTED}`;
  return {
    open: rows[0]?.total ?? 0,
    items: rows.map(({ total: _total, opened_at, ...r }) => ({ ...r, opened_at: opened_at.toISOString() })),
  };
}
