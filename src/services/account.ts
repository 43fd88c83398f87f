import { isScope, type Scope } from '../domain/api-keys.ts';
import type { Db } from '../platform/db.ts';

export interface WhoAmI {
  org_id: string;
  key_prefix: string;
  scopes: Scope[];
}

/** What a key may tell its holder about itself: its org, its prefix and its scopes (never the hash). */
export async function whoAmI(prisma: Db, keyId: string): Promise<WhoAmI | null> {
  const key = await prisma.apiKey.findUnique({ where: { id: keyId }, select: { org_id: true, key_prefix: true, scopes: true } });
  return key ? { org_id: key.org_id, key_prefix: key.key_prefix, scopes: key.scopes.filter(isScope) } : null;
}
