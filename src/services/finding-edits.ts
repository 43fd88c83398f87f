import { type Finding, Prisma } from '../generated/prisma/client.ts';
import { type EditableFinding, type FindingEdit, type PlannedChange, planFindingEdit } from '../domain/finding-edits.ts';
import type { Db } from '../platform/db.ts';
import { changeFinding } from './finding-changes.ts';

type Tx = Prisma.TransactionClient;

interface Tenant {
  orgId: string;
  projectId: string;
}

type LockedFinding = EditableFinding & { id: string };

/**
 * Locks the tenant's findings among `ids` (FOR UPDATE, in id order so that concurrent bulk edits
 * queue instead of deadlocking). Ids of other tenants are simply not there.
 */
function lockFindings(tx: Tx, tenant: Tenant, ids: readonly string[]): Promise<LockedFinding[]> {
  return tx.$queryRaw<LockedFinding[]>`
    SELECT id, status, severity, severity_source, owner_id FROM findings
    WHERE id = ANY(${ids}::uuid[]) AND org_id = ${tenant.orgId}::uuid AND project_id = ${tenant.projectId}
    ORDER BY id FOR UPDATE`;
}

export type EditOutcome = { ok: true; finding: Finding } | { ok: false; notFound: true } | { ok: false; notFound: false; reason: string };

/** One finding's edit, checked and applied under its row lock. */
export function editFinding(prisma: Db, tenant: Tenant, id: string, edit: FindingEdit, actor: string, reason?: string): Promise<EditOutcome> {
  return prisma.$transaction(async (tx) => {
    const [current] = await lockFindings(tx, tenant, [id]);
    if (!current) return { ok: false, notFound: true };
    const plan = planFindingEdit(current, edit);
    if (!plan.ok) return { ok: false, notFound: false, reason: plan.reason };
    const finding = plan.change
      ? await changeFinding(tx, id, plan.change, actor, reason)
      : await tx.finding.findUniqueOrThrow({ where: { id } });
    return { ok: true, finding };
  });
}

export interface BulkResult {
  id: string;
  status: Finding['status'];
  severity: Finding['severity'];
  owner_id: string | null;
}

export type BulkOutcome = { ok: true; updated: number; results: BulkResult[] } | { ok: false; failures: Record<string, string[]> };

/** Prisma's default (5 s) is tight for 500 findings' writes, which take about 2 s on a dev machine. */
const BULK_TRANSACTION_TIMEOUT_MS = 30_000;

/**
 * PostgreSQL broke a lock cycle by aborting this transaction: another multi-row writer (a scan's
 * upserts, scoring) held one of the findings and waited for one of ours. Nothing was written.
 */
function isLockCycleVictim(err: unknown): boolean {
  if (!(err instanceof Prisma.PrismaClientKnownRequestError)) return false;
  const driverError = err.meta?.driverAdapterError as { cause?: { kind?: string } } | undefined;
  return err.code === 'P2034' || driverError?.cause?.kind === 'TransactionWriteConflict';
}

const BULK_ATTEMPTS = 3;

/**
 * The same edit on many findings, all or nothing: every row is locked and checked first, and
 * only when each one can take the edit is anything written. Run again if PostgreSQL picked it as
 * a deadlock's victim.
 */
export async function editFindings(prisma: Db, tenant: Tenant, ids: readonly string[], edit: FindingEdit, actor: string, reason?: string): Promise<BulkOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await editFindingsOnce(prisma, tenant, ids, edit, actor, reason);
    } catch (err) {
      if (attempt === BULK_ATTEMPTS || !isLockCycleVictim(err)) throw err;
    }
  }
}

function editFindingsOnce(prisma: Db, tenant: Tenant, ids: readonly string[], edit: FindingEdit, actor: string, reason?: string): Promise<BulkOutcome> {
  return prisma.$transaction(
    async (tx) => {
      const locked = new Map((await lockFindings(tx, tenant, ids)).map((row) => [row.id, row]));
      const failures: Record<string, string[]> = {};
      const accepted: Array<{ current: LockedFinding; change: PlannedChange | null }> = [];
      for (const id of ids) {
        const current = locked.get(id);
        const plan = current && planFindingEdit(current, edit);
        if (!current || !plan) failures[id] = ['not found'];
        else if (!plan.ok) failures[id] = [plan.reason];
        else accepted.push({ current, change: plan.change });
      }
      if (Object.keys(failures).length > 0) return { ok: false, failures };

      const results: BulkResult[] = [];
      for (const { current, change } of accepted) {
        const after = change ? await changeFinding(tx, current.id, change, actor, reason) : current;
        results.push({ id: current.id, status: after.status, severity: after.severity, owner_id: after.owner_id });
      }
      return { ok: true, updated: accepted.filter((a) => a.change).length, results };
    },
    { timeout: BULK_TRANSACTION_TIMEOUT_MS },
  );
}
