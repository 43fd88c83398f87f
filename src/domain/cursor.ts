/**
 * Opaque keyset cursors: base64url of {"inserted_at": ISO, "id": uuid}, the position of the
 * last row of a page in (timestamp desc, id desc) order.
 */
export interface CursorPosition {
  at: Date;
  id: string;
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify({ inserted_at: position.at.toISOString(), id: position.id })).toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Returns null for anything that is not a cursor this server issued. */
export function decodeCursor(cursor: string): CursorPosition | null {
  try {
    const raw: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof raw !== 'object' || raw === null) return null;
    const { inserted_at: insertedAt, id } = raw as Record<string, unknown>;
    if (typeof insertedAt !== 'string' || typeof id !== 'string' || !UUID.test(id)) return null;
    const at = new Date(insertedAt);
    return Number.isNaN(at.getTime()) ? null : { at, id };
  } catch {
    return null;
  }
}
