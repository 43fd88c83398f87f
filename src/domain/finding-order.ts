import type { Prisma } from '../generated/prisma/client.ts';

/**
 * The orders GET findings offers (`sort`): a field, descending with a leading `-`. The table is
 * closed, so a sort is always one of these and always ends on a unique key (paging by offset must
 * not repeat or skip a row between pages).
 */
export const FINDING_SORT_FIELDS = ['priority_score', 'severity', 'status', 'domain', 'title', 'updated_at'] as const;
export const FINDING_SORTS = FINDING_SORT_FIELDS.flatMap((f) => [f, `-${f}`] as const);
export type FindingSort = (typeof FINDING_SORTS)[number];

type Direction = 'asc' | 'desc';
const flip = (d: Direction): Direction => (d === 'asc' ? 'desc' : 'asc');

/**
 * Prisma's orderBy for a sort. Severity and status are PostgreSQL enums, ordered as declared:
 * severity critical → low (so "most severe first", `-severity`, is the enum ascending), status
 * new → dismissed (the workflow's order, ascending as declared); domain is an enum too (security,
 * performance, accessibility, seo).
 */
export function findingOrderBy(sort: FindingSort): Prisma.FindingOrderByWithRelationInput[] {
  const descending = sort.startsWith('-');
  const field = (descending ? sort.slice(1) : sort) as (typeof FINDING_SORT_FIELDS)[number];
  const direction: Direction = descending ? 'desc' : 'asc';
  const primary: Prisma.FindingOrderByWithRelationInput =
    field === 'severity' ? { severity: flip(direction) } : ({ [field]: direction } as Prisma.FindingOrderByWithRelationInput);
  return [primary, { inserted_at: 'desc' }, { id: 'desc' }];
}
