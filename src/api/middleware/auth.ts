import type { RequestHandler } from 'express';
import { API_KEY_PATTERN, grants, hashApiKey, isScope, type Scope } from '../../domain/api-keys.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import { sqlQuery, type Db } from '../../platform/db.ts';
import { ApiError } from '../errors.ts';

/** last_used_at is written at most once a minute per key: it is a hint, not an audit log. */
const LAST_USED_RESOLUTION_MS = 60_000;

const unauthorized = () => new ApiError('unauthorized', 'Invalid or missing API key');

export function authenticate(prisma: Db): RequestHandler {
  return async (req, res, next) => {
    const token = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '')?.[1];
    if (!token || !API_KEY_PATTERN.test(token)) throw unauthorized();
    // Plain SQL (sqlQuery): every request makes this lookup.
    const [key] = await sqlQuery<{ id: string; org_id: string; scopes: string[]; expires_at: Date | null; revoked_at: Date | null; last_used_at: Date | null }>(
      prisma,
      Prisma.sql`SELECT id, org_id, scopes, expires_at, revoked_at, last_used_at FROM api_keys WHERE key_hash = ${hashApiKey(token)}`,
    );
    const now = new Date();
    if (!key || key.revoked_at || (key.expires_at && key.expires_at <= now)) throw unauthorized();
    if (!key.last_used_at || now.getTime() - key.last_used_at.getTime() > LAST_USED_RESOLUTION_MS) {
      await prisma.apiKey.update({ where: { id: key.id }, data: { last_used_at: now } });
    }
    res.locals.apiKey = { keyId: key.id, orgId: key.org_id, scopes: key.scopes.filter(isScope) };
    next();
  };
}

export function requireScope(scope: Scope): RequestHandler {
  return (_req, res, next) => {
    if (!grants(res.locals.apiKey.scopes, scope)) throw new ApiError('forbidden', 'Insufficient scope');
    next();
  };
}
