import { Router } from 'express';
import { routingPreview } from '../../domain/notifications.ts';
import { simulatePolicy } from '../../domain/policy.ts';
import { listChannels } from '../../services/notification-channels.ts';
import { currentPolicy, openFindingsForSimulation, replaceCurrentPolicy } from '../../services/current-policy.ts';
import type { ApiDeps } from '../deps.ts';
import { sendData } from '../envelope.ts';
import { requireScope } from '../middleware/auth.ts';
import { serializePolicy } from '../serializers/policy.ts';
import { replacePolicyBody, testPolicyBody } from '../schemas/requests.ts';
import { parseBody } from '../validation.ts';

export function policiesRouter({ db }: ApiDeps): Router {
  const { prisma } = db;
  const router = Router({ mergeParams: true });

  router.get('/policies/current', requireScope('audit:read'), async (_req, res) => {
    sendData(res, 200, serializePolicy(await currentPolicy(prisma, res.locals.tenant)));
  });

  router.put('/policies/current', requireScope('audit:write'), async (req, res) => {
    const { name, config } = parseBody(req, replacePolicyBody);
    const policy = await replaceCurrentPolicy(prisma, res.locals.tenant, name, config);
    // jsonb keeps object keys in an order of its own: answer with the config as it was sent.
    sendData(res, 200, { ...serializePolicy(policy), config });
  });

  // A what-if that writes nothing, so a read key may ask it.
  router.post('/policies/test', requireScope('audit:read'), async (req, res) => {
    const { config } = parseBody(req, testPolicyBody);
    const [findings, channels] = await Promise.all([openFindingsForSimulation(prisma, res.locals.tenant), listChannels(prisma, res.locals.tenant)]);
    sendData(res, 200, { ...simulatePolicy(findings, config), alert_routing: routingPreview(config, channels) });
  });

  return router;
}
