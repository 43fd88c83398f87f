import { Prisma } from '../generated/prisma/client.ts';

/**
 * A remediation rule refused the request: one open task per finding, one running verification per
 * task. The API answers 409 `conflict` with this message.
 */
export class RuleConflict extends Error {
  override name = 'RuleConflict';
}

/**
 * Whether `err` is PostgreSQL refusing a row because of the unique index `index` (23505). Prisma's
 * pg adapter names the index in the error's `meta.driverAdapterError.cause.constraint.index`.
 */
export function isUniqueViolation(err: unknown, index: string): boolean {
  if (!(err instanceof Prisma.PrismaClientKnownRequestError) || err.code !== 'P2002') return false;
  const cause = (err.meta?.driverAdapterError as { cause?: { kind?: string; constraint?: { index?: string } } } | undefined)?.cause;
  return cause?.kind === 'UniqueConstraintViolation' && cause.constraint?.index === index;
}

/** The partial unique indexes of prisma/migrations/*_one_open_per_finding (src/domain/lifecycle.ts). */
export const ONE_OPEN_TASK_PER_FINDING = 'tasks_finding_id_open_key';
export const ONE_RUNNING_VERIFICATION_PER_TASK = 'verifications_task_id_running_key';
export const ONE_OPEN_REGRESSION_PER_FINDING = 'regressions_finding_id_open_key';
