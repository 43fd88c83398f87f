import { pipeline } from 'node:stream/promises';
import { Router, type Response } from 'express';
import { resolveInstanceSecret } from '../../platform/crypto.ts';
import { publishedSigningKey } from '../../platform/signing.ts';
import { createStorage } from '../../platform/storage/index.ts';
import { createReportLinks, EXPORT_LINK_PATH, SHARE_LINK_PATH } from '../../reports/links.ts';
import { artifactName, FORMATS, viewKey } from '../../reports/model.ts';
import type { ApiDeps } from '../deps.ts';
import { sendData } from '../envelope.ts';
import { notFound } from '../errors.ts';
import { authenticate } from '../middleware/auth.ts';
import { rateLimit } from '../middleware/rate-limit.ts';

/** What a shared report page may do in a browser: show itself, fetch nothing, run nothing. */
const SHARE_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * Routes outside a project: signed links, which need no API key (a tampered, foreign or expired
 * token is a 404 like any unknown path), and the instance's public signing key.
 */
export function publicRouter({ config, db }: ApiDeps): Router {
  const { prisma } = db;
  const router = Router();
  const secret = resolveInstanceSecret(config);
  const storage = createStorage(config);
  const links = createReportLinks({
    secret,
    storage,
    publicBaseUrl: config.PUBLIC_BASE_URL,
    exportTtlSeconds: config.EXPORT_URL_TTL_SECONDS,
    shareTtlSeconds: config.SHARE_URL_TTL_SECONDS,
  });

  const exportedReport = async (id: string | null) => {
    const report = id ? await prisma.report.findUnique({ where: { id } }) : null;
    if (!report?.storage_key || (report.status !== 'exported' && report.status !== 'shared')) throw notFound();
    return report;
  };

  async function send(res: Response, key: string, headers: Record<string, string>): Promise<void> {
    const object = await storage.open(key);
    if (!object) throw notFound();
    const all = { ...headers, 'content-length': String(object.bytes), 'cache-control': 'private, no-store', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };
    // setHeader, not res.set: Express would append a charset to the artifact's own content type.
    for (const [name, value] of Object.entries(all)) res.setHeader(name, value);
    res.status(200);
    // Past the headers there is no error response left to send: a client that hangs up, or a
    // storage read that breaks, ends the body short of its content-length.
    await pipeline(object.body, res).catch(() => undefined);
  }

  router.get(`${EXPORT_LINK_PATH}/:token`, async (req, res) => {
    const report = await exportedReport(links.exportedReportId(req.params.token));
    await send(res, report.storage_key!, {
      'content-type': FORMATS[report.format].contentType,
      'content-disposition': `attachment; filename="${artifactName(report)}"`,
    });
  });

  router.get(`${SHARE_LINK_PATH}/:token`, async (req, res) => {
    const report = await exportedReport(links.sharedReportId(req.params.token));
    await send(res, viewKey(report), {
      'content-type': FORMATS.html.contentType,
      'content-security-policy': SHARE_PAGE_CSP,
      'x-frame-options': 'DENY',
    });
  });

  router.get(
    '/api/v1/signing-key',
    authenticate(prisma),
    rateLimit(db.pool, { name: 'default', max: config.RATE_LIMIT_DEFAULT_MAX, windowSeconds: config.RATE_LIMIT_DEFAULT_WINDOW_SECONDS }),
    async (_req, res) => sendData(res, 200, await publishedSigningKey(prisma, secret)),
  );

  return router;
}
