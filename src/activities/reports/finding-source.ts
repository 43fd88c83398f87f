import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
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

/** What a report knows of its findings: counts, the filter that picks them, and passes over them. */
export interface FindingSource {
  total: number;
  included: number;
  where: Where;
  all(): AsyncGenerator<Finding>;
  ofSeverity(severity: Severity): AsyncGenerator<Finding>;
}

/**
 * The findings of a report: the project's first MAX_REPORT_FINDINGS in report order, read in
 * keyset batches so memory stays flat however many there are. Every read goes through `tx`, so
 * inside a repeatable-read transaction all passes see the same findings.
 */
export async function openFindingSource(tx: Tx, scope: { orgId: string; projectId: string }): Promise<FindingSource> {
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

/**
 * Copies the findings `source` reads (inside the caller's snapshot) to `path`, one JSON line
 * each, and returns a source that reads that file: the snapshot's transaction can end as soon
 * as the copy is done, and every later pass (the artifact, the HTML view) still sees exactly the
 * same findings, however long the upload takes. Memory stays flat: one line at a time.
 */
export async function copyFindingSource(source: FindingSource, path: string): Promise<FindingSource> {
  const out = createWriteStream(path, { encoding: 'utf8' });
  const closed = once(out, 'close');
  try {
    for await (const finding of source.all()) {
      if (!out.write(`${JSON.stringify(finding)}\n`)) await once(out, 'drain');
    }
  } finally {
    out.end();
  }
  await closed;

  async function* read(severity?: Severity): AsyncGenerator<Finding> {
    const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line) continue;
      const finding = revive(JSON.parse(line) as Record<string, unknown>);
      if (!severity || finding.severity === severity) yield finding;
    }
  }
  return { total: source.total, included: source.included, where: source.where, all: () => read(), ofSeverity: (severity) => read(severity) };
}

/** JSON has no dates: the two timestamp columns come back as Date, as Prisma returns them. */
function revive(row: Record<string, unknown>): Finding {
  return { ...row, inserted_at: new Date(row.inserted_at as string), updated_at: new Date(row.updated_at as string) } as Finding;
}
