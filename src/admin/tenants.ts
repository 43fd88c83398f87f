import ms from 'ms';
import { generateApiKey, isScope, type Scope } from '../domain/api-keys.ts';
import type { Db } from '../platform/db.ts';

/** Operator actions behind `sitewarden admin …`; the API has no route that creates tenants. */

export class AdminInputError extends Error {
  override name = 'AdminInputError';
}

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function createOrg(prisma: Db, name: string) {
  if (!name.trim()) throw new AdminInputError('--name must not be empty');
  const org = await prisma.org.create({ data: { name: name.trim() } });
  return { id: org.id, name: org.name, created_at: org.created_at.toISOString() };
}

export async function createProject(prisma: Db, orgId: string, slug: string, name?: string) {
  if (!SLUG.test(slug)) throw new AdminInputError('--slug must be lowercase letters, digits and dashes (at most 64)');
  await requireOrg(prisma, orgId);
  const existing = await prisma.project.findUnique({ where: { org_id_id: { org_id: orgId, id: slug } } });
  if (existing) throw new AdminInputError(`project ${slug} already exists in org ${orgId}`);
  const project = await prisma.project.create({ data: { org_id: orgId, id: slug, name: name ?? slug } });
  return { id: project.id, org_id: project.org_id, name: project.name, created_at: project.created_at.toISOString() };
}

export function parseScopes(raw: string): Scope[] {
  const scopes = [...new Set(raw.split(',').map((s) => s.trim()).filter(Boolean))];
  const unknown = scopes.filter((s) => !isScope(s));
  if (scopes.length === 0 || unknown.length > 0) {
    throw new AdminInputError(`--scopes must list audit:read and/or audit:write${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}`);
  }
  return scopes as Scope[];
}

/** "1h", "30m", "90d" → milliseconds. */
export function parseDuration(raw: string): number {
  const value = ms(raw as ms.StringValue);
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new AdminInputError(`--expires-in must be a positive duration such as 30m, 1h or 90d (got "${raw}")`);
  }
  return value;
}

export async function createKey(prisma: Db, input: { orgId: string; scopes: Scope[]; expiresInMs?: number; name?: string }) {
  await requireOrg(prisma, input.orgId);
  const { key, keyHash, keyPrefix } = generateApiKey();
  const record = await prisma.apiKey.create({
    data: {
      org_id: input.orgId,
      name: input.name ?? null,
      key_hash: keyHash,
      key_prefix: keyPrefix,
      scopes: input.scopes,
      expires_at: input.expiresInMs ? new Date(Date.now() + input.expiresInMs) : null,
    },
  });
  return { id: record.id, org_id: record.org_id, key, ...describeKey(record) };
}

export async function listKeys(prisma: Db, orgId: string) {
  await requireOrg(prisma, orgId);
  const keys = await prisma.apiKey.findMany({ where: { org_id: orgId }, orderBy: { created_at: 'asc' } });
  return keys.map((k) => ({ id: k.id, ...describeKey(k) }));
}

export async function revokeKey(prisma: Db, keyId: string) {
  if (!UUID.test(keyId)) throw new AdminInputError('--id must be a key id (uuid)');
  const key = await prisma.apiKey.findUnique({ where: { id: keyId } });
  if (!key) throw new AdminInputError(`no key ${keyId}`);
  const revoked = key.revoked_at ? key : await prisma.apiKey.update({ where: { id: keyId }, data: { revoked_at: new Date() } });
  return { id: revoked.id, ...describeKey(revoked) };
}

function describeKey(k: {
  name: string | null;
  key_prefix: string;
  scopes: string[];
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
  created_at: Date;
}) {
  return {
    name: k.name,
    key_prefix: k.key_prefix,
    scopes: k.scopes,
    expires_at: k.expires_at?.toISOString() ?? null,
    revoked_at: k.revoked_at?.toISOString() ?? null,
    last_used_at: k.last_used_at?.toISOString() ?? null,
    created_at: k.created_at.toISOString(),
  };
}

export async function requireOrg(prisma: Db, orgId: string): Promise<void> {
  if (!UUID.test(orgId) || !(await prisma.org.findUnique({ where: { id: orgId }, select: { id: true } }))) {
    throw new AdminInputError(`no org ${orgId}`);
  }
}
