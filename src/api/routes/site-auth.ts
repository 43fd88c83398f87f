import { Router } from 'express';
import { resolveInstanceSecret } from '../../platform/crypto.ts';
import { deleteSiteAuth, getSiteAuth, putSiteAuth, SiteAuthRefused, type SiteAuthView } from '../../services/site-auth.ts';
import type { ApiDeps } from '../deps.ts';
import { sendData } from '../envelope.ts';
import { invalidParams, notFound } from '../errors.ts';
import { requireScope } from '../middleware/auth.ts';
import { siteAuthBody } from '../schemas/requests.ts';
import { parseBody } from '../validation.ts';

/** …/audit/site-auth: credentials for pages behind a login (docs/site-auth.md). Values never leave. */
export function siteAuthRouter({ db, config }: ApiDeps): Router {
  const { prisma } = db;
  const router = Router({ mergeParams: true });
  const secret = resolveInstanceSecret(config);

  router.put('/site-auth', requireScope('audit:write'), async (req, res) => {
    const body = parseBody(req, siteAuthBody);
    try {
      sendData(res, 200, serialize(await putSiteAuth(prisma, res.locals.tenant, body, secret, config.allowlist)));
    } catch (err) {
      if (err instanceof SiteAuthRefused) throw invalidParams({ [err.field]: [err.message] });
      throw err;
    }
  });

  router.get('/site-auth', requireScope('audit:read'), async (_req, res) => {
    const view = await getSiteAuth(prisma, res.locals.tenant, secret);
    if (!view) throw notFound();
    sendData(res, 200, serialize(view));
  });

  router.delete('/site-auth', requireScope('audit:write'), async (_req, res) => {
    if (!(await deleteSiteAuth(prisma, res.locals.tenant))) throw notFound();
    sendData(res, 200, { deleted: true });
  });

  return router;
}

function serialize(view: SiteAuthView) {
  return { ...view, created_at: view.created_at.toISOString(), updated_at: view.updated_at.toISOString() };
}
