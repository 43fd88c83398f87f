import { Router, type Request } from 'express';
import { resolveInstanceSecret } from '../../platform/crypto.ts';
import { PROVIDERS, type Provider } from '../../integrations/providers.ts';
import { connectIntegration, IntegrationRefused, listIntegrations, requestIntegrationSync } from '../../services/integrations.ts';
import type { ApiDeps } from '../deps.ts';
import { sendData } from '../envelope.ts';
import { ApiError, notFound } from '../errors.ts';
import { requireScope } from '../middleware/auth.ts';
import { connectIntegrationBody } from '../schemas/requests.ts';
import { serializeConnectedIntegration, serializePlaceholderIntegration } from '../serializers/integration.ts';
import { parseBody } from '../validation.ts';

export function integrationsRouter({ config, db, temporal }: ApiDeps): Router {
  const { prisma } = db;
  const router = Router({ mergeParams: true });
  const secret = resolveInstanceSecret(config);

  /** An unknown provider is a 404 like any unknown path; a known one without sync is a 422. */
  const providerOf = (req: Request): Provider => {
    const provider = String(req.params.provider);
    if (!(PROVIDERS as readonly string[]).includes(provider)) throw notFound();
    return provider as Provider;
  };

  const refused = (err: unknown): never => {
    if (err instanceof IntegrationRefused) {
      throw new ApiError(err.kind === 'conflict' ? 'conflict' : 'invalid_params', err.message, { [err.field]: [err.message] });
    }
    throw err;
  };

  router.get('/integrations', requireScope('audit:read'), async (_req, res) => {
    const rows = await listIntegrations(prisma, res.locals.tenant);
    sendData(res, 200, rows.map(({ provider, row }) => (row ? serializeConnectedIntegration(row) : serializePlaceholderIntegration(provider))));
  });

  router.post('/integrations/:provider/connect', requireScope('audit:write'), async (req, res) => {
    const provider = providerOf(req);
    const body = parseBody(req, connectIntegrationBody);
    const row = await connectIntegration(prisma, { allowlist: config.allowlist, secret }, res.locals.tenant, provider, body).catch(refused);
    sendData(res, 200, serializeConnectedIntegration(row));
  });

  router.post('/integrations/:provider/sync', requireScope('audit:write'), async (req, res) => {
    const provider = providerOf(req);
    const row = await requestIntegrationSync(prisma, temporal, config.TEMPORAL_TASK_QUEUE, res.locals.tenant, provider).catch(refused);
    sendData(res, 202, serializeConnectedIntegration(row));
  });

  return router;
}
