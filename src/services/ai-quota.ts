import { isAiConfigured } from '../ai/provider-settings.ts';
import type { Config } from '../platform/config.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import type { Db } from '../platform/db.ts';

/** The client or a transaction: a kickoff charges in the transaction that writes its row. */
type Writer = Db | Prisma.TransactionClient;

/**
 * The AI quota (krafter-api §9.4): POST scans/run, verifications/run and reports/export each cost
 * one unit of the org's budget for the current period, and only while an LLM provider is
 * configured. AI_QUOTA_UNITS per AI_QUOTA_PERIOD (UTC day, ISO week or calendar month), or the
 * org's own `ai_quota_limit` (`sitewarden admin ai quota`). One counter row per org and period.
 */

export type QuotaConfig = Pick<Config, 'AI_QUOTA_UNITS' | 'AI_QUOTA_PERIOD'>;
export type QuotaPeriod = QuotaConfig['AI_QUOTA_PERIOD'];

export interface AiCharge {
  /** False when no provider is configured: nothing was counted. */
  charged: boolean;
  orgId: string;
  periodStart: Date;
  resetsAt: Date;
  limit: number;
  used: number;
}

/** The org's budget for the period is spent. The API answers 429 `quota_exceeded` with `retry-after`. */
export class AiQuotaExceeded extends Error {
  override name = 'AiQuotaExceeded';
  constructor(
    readonly limit: number,
    readonly period: QuotaPeriod,
    readonly resetsAt: Date,
  ) {
    super(`The AI quota of ${limit} unit${limit === 1 ? '' : 's'} per ${period} is used up; it resets at ${resetsAt.toISOString()}`);
  }

  /** Whole seconds until the period resets, at least 1. */
  retryAfterSeconds(now = new Date()): number {
    return Math.max(1, Math.ceil((this.resetsAt.getTime() - now.getTime()) / 1000));
  }
}

/** The UTC period holding `now`: its first day and the moment the next one starts. */
export function quotaPeriod(period: QuotaPeriod, now: Date): { start: Date; resetsAt: Date } {
  const [y, m, d] = [now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()];
  if (period === 'day') return { start: new Date(Date.UTC(y, m, d)), resetsAt: new Date(Date.UTC(y, m, d + 1)) };
  if (period === 'week') {
    const monday = d - ((now.getUTCDay() + 6) % 7);
    return { start: new Date(Date.UTC(y, m, monday)), resetsAt: new Date(Date.UTC(y, m, monday + 7)) };
  }
  return { start: new Date(Date.UTC(y, m, 1)), resetsAt: new Date(Date.UTC(y, m + 1, 1)) };
}

const day = (date: Date) => date.toISOString().slice(0, 10);

/**
 * Spends one AI unit of `orgId` for work that uses the LLM. Kickoffs (services/kickoff.ts) call it
 * in the transaction that writes the run's row, so a request refused by a constraint (409) or by
 * the quota spends nothing and leaves no row. Throws AiQuotaExceeded when the period's budget is
 * spent (nothing is counted then). Atomic under concurrency: the counter is incremented by one
 * conditional upsert, so N parallel requests against a budget of k succeed exactly min(N, k) times.
 */
export async function chargeAiUnit(prisma: Writer, config: QuotaConfig, orgId: string, now = new Date()): Promise<AiCharge> {
  const { start, resetsAt } = quotaPeriod(config.AI_QUOTA_PERIOD, now);
  if (!(await isAiConfigured(prisma))) return { charged: false, orgId, periodStart: start, resetsAt, limit: 0, used: 0 };
  const rows = await prisma.$queryRaw<Array<{ units_used: number; units_limit: number }>>`
    INSERT INTO ai_quotas (org_id, period_start, units_limit, units_used, updated_at)
    SELECT o.id, ${day(start)}::date, COALESCE(o.ai_quota_limit, ${config.AI_QUOTA_UNITS}), 1, now()
      FROM orgs o
     WHERE o.id = ${orgId}::uuid AND COALESCE(o.ai_quota_limit, ${config.AI_QUOTA_UNITS}) > 0
    ON CONFLICT (org_id, period_start) DO UPDATE
       SET units_used = ai_quotas.units_used + 1, units_limit = EXCLUDED.units_limit, updated_at = now()
     WHERE ai_quotas.units_used < EXCLUDED.units_limit
    RETURNING units_used, units_limit`;
  const [row] = rows;
  if (!row) throw new AiQuotaExceeded(await orgLimit(prisma, config, orgId), config.AI_QUOTA_PERIOD, resetsAt);
  return { charged: true, orgId, periodStart: start, resetsAt, limit: row.units_limit, used: row.units_used };
}

/** Gives a unit back when the work it paid for could not be started (e.g. Temporal was unavailable). */
export async function refundAiUnit(prisma: Writer, charge: Pick<AiCharge, 'charged' | 'orgId' | 'periodStart'>): Promise<void> {
  if (!charge.charged) return;
  await prisma.$executeRaw`
    UPDATE ai_quotas SET units_used = GREATEST(units_used - 1, 0), updated_at = now()
     WHERE org_id = ${charge.orgId}::uuid AND period_start = ${day(charge.periodStart)}::date`;
}

/**
 * Gives back the unit a scan run was charged, at most once: the run's `ai_charge_period` is
 * cleared and the counter decremented in one statement, so a retried refund, or the workflow's
 * failure path racing the sweeper, refunds one unit. A completed run keeps its unit (a cancel that
 * arrives as the run completes still runs the failure path's compensations). True when a unit was
 * given back.
 */
export async function refundScanRunCharge(prisma: Writer, scanRunId: string): Promise<boolean> {
  const rows = await prisma.$queryRaw<Array<{ org_id: string }>>`
    WITH released AS (
      -- RETURNING gives the new row: the period charged is read (and locked) before it is cleared.
      UPDATE scan_runs s SET ai_charge_period = NULL, updated_at = now()
        FROM (SELECT id, ai_charge_period FROM scan_runs WHERE id = ${scanRunId}::uuid AND ai_charge_period IS NOT NULL AND status <> 'completed' FOR UPDATE) charged
       WHERE s.id = charged.id AND s.ai_charge_period IS NOT NULL
      RETURNING s.org_id, charged.ai_charge_period AS period
    )
    UPDATE ai_quotas q SET units_used = GREATEST(q.units_used - 1, 0), updated_at = now()
      FROM released r
     WHERE q.org_id = r.org_id AND q.period_start = r.period
    RETURNING q.org_id`;
  return rows.length > 0;
}

async function orgLimit(prisma: Writer, config: QuotaConfig, orgId: string): Promise<number> {
  const org = await prisma.org.findUnique({ where: { id: orgId }, select: { ai_quota_limit: true } });
  return org?.ai_quota_limit ?? config.AI_QUOTA_UNITS;
}

export interface QuotaStatus {
  org_id: string;
  limit: number;
  /** "org" when the org has its own limit, else "instance" (AI_QUOTA_UNITS). */
  limit_source: 'org' | 'instance';
  period: QuotaPeriod;
  period_start: string;
  resets_at: string;
  used: number;
}

/** The org's budget and spending this period (`sitewarden admin ai quota`). */
export async function quotaStatus(prisma: Db, config: QuotaConfig, orgId: string, now = new Date()): Promise<QuotaStatus> {
  const org = await prisma.org.findUniqueOrThrow({ where: { id: orgId }, select: { ai_quota_limit: true } });
  const { start, resetsAt } = quotaPeriod(config.AI_QUOTA_PERIOD, now);
  const counter = await prisma.aiQuota.findUnique({ where: { org_id_period_start: { org_id: orgId, period_start: start } } });
  return {
    org_id: orgId,
    limit: org.ai_quota_limit ?? config.AI_QUOTA_UNITS,
    limit_source: org.ai_quota_limit === null ? 'instance' : 'org',
    period: config.AI_QUOTA_PERIOD,
    period_start: day(start),
    resets_at: resetsAt.toISOString(),
    used: counter?.units_used ?? 0,
  };
}

/** Sets the org's own limit (units per period), or with null returns it to the instance default. */
export async function setOrgQuota(prisma: Db, config: QuotaConfig, orgId: string, units: number | null): Promise<QuotaStatus> {
  await prisma.org.update({ where: { id: orgId }, data: { ai_quota_limit: units } });
  return quotaStatus(prisma, config, orgId);
}

/** The next model request of a scan's AI stage, reserved: or refused because the org's budget is spent. */
export interface AnalysisBatchReservation {
  reserved: boolean;
  /** Requests of this scan's stage answered or in flight, this one included when reserved. */
  batches: number;
  /** Units the stage charged beyond the kickoff's, this reservation included. */
  extraUnits: number;
}

/**
 * Reserves one model request (a batch of findings) of a scan's AI stage (docs/ai.md, "What a scan
 * costs"). The kickoff's unit pays for the first `batchesPerUnit` requests; the request that starts
 * each further group of `batchesPerUnit` charges one more unit of the scan's org, in the current
 * period, in the same transaction. When the budget is spent nothing is charged or reserved and the
 * stage sends no more. The scan row is locked first and the quota row second (the kickoff takes
 * only the quota row), so concurrent reservations of one scan are serialized without deadlock.
 */
export async function reserveAnalysisBatch(
  prisma: Db,
  config: QuotaConfig,
  scanRunId: string,
  batchesPerUnit: number,
  now = new Date(),
): Promise<AnalysisBatchReservation> {
  const { start } = quotaPeriod(config.AI_QUOTA_PERIOD, now);
  return prisma.$transaction(async (tx) => {
    const [run] = await tx.$queryRaw<Array<{ org_id: string; analysis_batches: number; analysis_units: number }>>`
      SELECT org_id::text, analysis_batches, analysis_units FROM scan_runs WHERE id = ${scanRunId}::uuid FOR UPDATE`;
    if (!run) throw new Error(`scan run ${scanRunId} not found`);
    const batches = run.analysis_batches + 1;
    const needed = Math.ceil(batches / batchesPerUnit) - 1;
    if (needed > run.analysis_units) {
      const charged = await tx.$queryRaw<Array<{ units_used: number }>>`
        INSERT INTO ai_quotas (org_id, period_start, units_limit, units_used, updated_at)
        SELECT o.id, ${day(start)}::date, COALESCE(o.ai_quota_limit, ${config.AI_QUOTA_UNITS}), 1, now()
          FROM orgs o
         WHERE o.id = ${run.org_id}::uuid AND COALESCE(o.ai_quota_limit, ${config.AI_QUOTA_UNITS}) > 0
        ON CONFLICT (org_id, period_start) DO UPDATE
           SET units_used = ai_quotas.units_used + 1, units_limit = EXCLUDED.units_limit, updated_at = now()
         WHERE ai_quotas.units_used < EXCLUDED.units_limit
        RETURNING units_used`;
      if (charged.length === 0) return { reserved: false, batches: run.analysis_batches, extraUnits: run.analysis_units };
    }
    const extraUnits = Math.max(needed, run.analysis_units);
    await tx.$executeRaw`
      UPDATE scan_runs SET analysis_batches = ${batches}, analysis_units = ${extraUnits}, updated_at = now() WHERE id = ${scanRunId}::uuid`;
    return { reserved: true, batches, extraUnits };
  });
}

/**
 * Gives back the reservation of a request that got no answer (every provider failed, or the
 * attempt was cancelled): the retry sends that batch again without paying for it twice. A unit
 * already charged stays charged and pays for the retry's requests.
 */
export async function releaseAnalysisBatch(prisma: Db, scanRunId: string): Promise<void> {
  await prisma.$executeRaw`
    UPDATE scan_runs SET analysis_batches = GREATEST(analysis_batches - 1, 0), updated_at = now() WHERE id = ${scanRunId}::uuid`;
}
