import type { RequestHandler } from 'express';
import { API_KEY_PATTERN, grants, hashApiKey, isScope, type Scope } from '../../domain/api-keys.ts';
import type { Db } from '../../platform/db.ts';
import { ApiError } from '../errors.ts';

/** last_used_at is written at most once a minute per key: it is a hint, not an audit log. */
const LAST_USED_RESOLUTION_MS = 60_000;

const unauthorized = () => new ApiError('unauthorized', 'Invalid or missing API key');

export function authenticate(prisma: Db): RequestHandler {
  return async (req, res, next) => {
    const token = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '')?.[1];
    if (!token || !API_KEY_PATTERN.test(token)) throw unauthorized();
    const key = await prisma.apiKey.findUnique({
      where: { key_hash: hashApiKey(token) },
      select: { id: true, org_id: true, scopes: true, expires_at: true, revoked_at: true, last_used_at: true },
    });
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
