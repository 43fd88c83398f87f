import type { Prisma } from '../../generated/prisma/client.ts';
import type { Severity } from '../../generated/prisma/enums.ts';
import { MAX_REPORT_FINDINGS, type Finding } from '../../reports/model.ts';

type Tx = Prisma.TransactionClient;
type Where = Prisma.FindingWhereInput;

/** A report's order (PRODUCT.md §4): priority first, then the oldest. */
const ORDER: Prisma.FindingOrderByWithRelationInput[] = [{ priority_score: 'desc' }, { inserted_at: 'asc' }, { id: 'asc' }];
const BATCH = 2_000;

type Position = Pick<Finding, 'priority_score' | 'inserted_at' | 'id'>;

const after = (p: Position): Where => ({
  OR: [
    { priority_score: { lt: p.priority_score } },
    { priority_score: p.priority_score, inserted_at: { gt: p.inserted_at } },
    { priority_score: p.priority_score, inserted_at: p.inserted_at, id: { gt: p.id } },
  ],
});

const notAfter = (p: Position): Where => ({
  OR: [
    { priority_score: { gt: p.priority_score } },
    { priority_score: p.priority_score, inserted_at: { lt: p.inserted_at } },
    { priority_score: p.priority_score, inserted_at: p.inserted_at, id: { lte: p.id } },
  ],
});

export type FindingSource = Awaited<ReturnType<typeof openFindingSource>>;

/**
 * The findings of a report: the project's first MAX_REPORT_FINDINGS in report order, read in
 * keyset batches so memory stays flat however many there are. Every read goes through `tx`, so
 * inside a repeatable-read transaction all passes see the same findings.
 */
export async function openFindingSource(tx: Tx, scope: { orgId: string; projectId: string }) {
  const project: Where = { org_id: scope.orgId, project_id: scope.projectId };
  const total = await tx.finding.count({ where: project });
  const last =
    total > MAX_REPORT_FINDINGS
      ? await tx.finding.findFirst({ where: project, orderBy: ORDER, skip: MAX_REPORT_FINDINGS - 1, select: { priority_score: true, inserted_at: true, id: true } })
      : null;
  const included: Where = last ? { AND: [project, notAfter(last)] } : project;

  async function* read(filter: Where = {}): AsyncGenerator<Finding> {
    let position: Position | undefined;
    for (;;) {
      const batch = await tx.finding.findMany({ where: { AND: [included, filter, position ? after(position) : {}] }, orderBy: ORDER, take: BATCH });
      yield* batch;
      if (batch.length < BATCH) return;
      position = batch.at(-1);
    }
  }

  return {
    total,
    included: Math.min(total, MAX_REPORT_FINDINGS),
    where: included,
    all: () => read(),
    ofSeverity: (severity: Severity) => read({ severity }),
  };
}
