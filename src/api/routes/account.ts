import express, { Router, type RequestHandler } from 'express';
import { whoAmI } from '../../services/account.ts';
import { createOrgProject, decodeProjectCursor, listProjects, ProjectExistsError, updateOrgProject } from '../../services/projects.ts';
import type { ApiDeps } from '../deps.ts';
import { sendData } from '../envelope.ts';
import { ApiError, invalidParams, notFound } from '../errors.ts';
import { authenticate, requireScope } from '../middleware/auth.ts';
import { rateLimit } from '../middleware/rate-limit.ts';
import { createProjectBody, projectListQuery, updateProjectBody } from '../schemas/requests.ts';
import { parseBody, parseQuery } from '../validation.ts';

/**
 * What a client needs before it is inside a project (the dashboard's sign-in and project
 * switcher): who the key is, and the org's projects.
 */
export function accountRouter({ config, db }: ApiDeps): Router {
  const { prisma } = db;
  const router = Router();
  const keyed = [
    authenticate(prisma),
    rateLimit(db.pool, { name: 'default', max: config.RATE_LIMIT_DEFAULT_MAX, windowSeconds: config.RATE_LIMIT_DEFAULT_WINDOW_SECONDS }),
  ];

  router.get('/api/v1/me', ...keyed, async (_req, res) => {
    const me = await whoAmI(prisma, res.locals.apiKey.keyId);
    // Authenticated a moment ago: gone only if deleted in between, which is what a 401 says.
    if (!me) throw new ApiError('unauthorized', 'Invalid or missing API key');
    sendData(res, 200, me);
  });

  const ownOrg: RequestHandler = (req, res, next) => {
    // Another org's id is a 404, as on every audit path: a key never learns that it exists.
    if (req.params.org_id !== res.locals.apiKey.orgId) throw notFound();
    next();
  };
  const path = '/api/v1/orgs/:org_id/projects';

  router.get(path, ...keyed, ownOrg, requireScope('audit:read'), async (req, res) => {
    const { cursor, limit } = parseQuery(req, projectListQuery);
    const after = cursor === undefined ? null : decodeProjectCursor(cursor);
    if (cursor !== undefined && after === null) throw invalidParams({ cursor: ['is not a cursor issued by this API'] });
    const page = await listProjects(prisma, res.locals.apiKey.orgId, { after, limit });
    sendData(res, 200, page.items, { total: page.total, next_cursor: page.nextCursor });
  });

  router.post(path, ...keyed, ownOrg, express.json({ limit: '256kb' }), requireScope('audit:write'), async (req, res) => {
    const body = parseBody(req, createProjectBody);
    try {
      sendData(res, 201, await createOrgProject(prisma, res.locals.apiKey.orgId, body));
    } catch (err) {
      if (err instanceof ProjectExistsError) throw new ApiError('conflict', `Project ${body.id} already exists`);
      throw err;
    }
  });

  router.patch(`${path}/:project_id`, ...keyed, ownOrg, express.json({ limit: '256kb' }), requireScope('audit:write'), async (req, res) => {
    const body = parseBody(req, updateProjectBody);
    const project = await updateOrgProject(prisma, res.locals.apiKey.orgId, String(req.params.project_id), body);
    if (!project) throw notFound();
    sendData(res, 200, project);
  });

  return router;
}
