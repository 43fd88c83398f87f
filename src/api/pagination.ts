import { decodeCursor, encodeCursor } from '../domain/cursor.ts';
import { invalidParams } from './errors.ts';

type TimestampField = 'inserted_at' | 'created_at';

/** Prisma `where` for rows strictly after the cursor in (timestamp desc, id desc) order. */
export function afterCursor(cursor: string | undefined, field: TimestampField) {
  if (cursor === undefined) return {};
  const position = decodeCursor(cursor);
  if (!position) throw invalidParams({ cursor: ['is not a cursor issued by this API'] });
  return { OR: [{ [field]: { lt: position.at } }, { [field]: position.at, id: { lt: position.id } }] };
}

export function orderNewestFirst(field: TimestampField) {
  return [{ [field]: 'desc' as const }, { id: 'desc' as const }];
}

/** Query `limit + 1` rows; this cuts the page and makes the cursor from its last row. */
export function toPage<T extends { id: string }>(rows: T[], limit: number, timestamp: (row: T) => Date) {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  const nextCursor = rows.length > limit && last ? encodeCursor({ at: timestamp(last), id: last.id }) : null;
  return { items, nextCursor };
}
