import type { RequestHandler } from 'express';
import type { Db } from '../../platform/db.ts';
import { notFound } from '../errors.ts';

/**
 * The org in the path must be the key's and the project must exist in it; anything else is a
 * 404, so a key never learns whether another org's ids exist.
 */
export function resolveTenant(prisma: Db): RequestHandler {
  return async (req, res, next) => {
    const { org_id: orgId, project_id: projectId } = req.params as Record<string, string>;
    if (orgId !== res.locals.apiKey.orgId || !projectId) throw notFound();
    const project = await prisma.project.findUnique({
      where: { org_id_id: { org_id: orgId, id: projectId } },
      select: { id: true },
    });
    if (!project) throw notFound();
    res.locals.tenant = { orgId, projectId };
    next();
  };
}
