import type { RequestHandler } from 'express';
import { Prisma } from '../../generated/prisma/client.ts';
import { sqlQuery, type Db } from '../../platform/db.ts';
import { notFound } from '../errors.ts';

/**
 * The org in the path must be the key's and the project must exist in it; anything else is a
 * 404, so a key never learns whether another org's ids exist.
 */
export function resolveTenant(prisma: Db): RequestHandler {
  return async (req, res, next) => {
    const { org_id: orgId, project_id: projectId } = req.params as Record<string, string>;
    if (orgId !== res.locals.apiKey.orgId || !projectId) throw notFound();
    // Plain SQL (sqlQuery): every audit request makes this lookup.
    const [project] = await sqlQuery<{ id: string }>(prisma, Prisma.sql`SELECT id FROM projects WHERE org_id = ${orgId}::uuid AND id = ${projectId}`);
    if (!project) throw notFound();
    res.locals.tenant = { orgId, projectId };
    next();
  };
}
