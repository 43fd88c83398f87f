import { Router } from 'express';
import { z } from 'zod';
import { MAX_RULE_KEY_CHARS, MAX_SEVERITY_RULES, simulatePolicy } from '../../domain/policy.ts';
import { currentPolicy, openFindingsForSimulation, replaceCurrentPolicy } from '../../services/current-policy.ts';
import type { ApiDeps } from '../deps.ts';
import { sendData } from '../envelope.ts';
import { requireScope } from '../middleware/auth.ts';
import { serializePolicy } from '../serializers/policy.ts';
import { parseBody, storedJsonObject } from '../validation.ts';

/**
 * Free-form JSON, but `severity_rules` is bounded: no rule key longer than any check id could be
 * and a bounded number of entries, so applying a config costs the same whatever it holds.
 */
const policyConfig = storedJsonObject.superRefine((config, ctx) => {
  const rules = config.severity_rules;
  if (typeof rules !== 'object' || rules === null || Array.isArray(rules)) return;
  const keys = Object.keys(rules);
  if (keys.length > MAX_SEVERITY_RULES) {
    ctx.addIssue({ code: 'custom', path: ['severity_rules'], message: `must have at most ${MAX_SEVERITY_RULES} entries` });
  }
  if (keys.some((key) => key.length > MAX_RULE_KEY_CHARS)) {
    ctx.addIssue({ code: 'custom', path: ['severity_rules'], message: `keys must be at most ${MAX_RULE_KEY_CHARS} characters` });
  }
});

const replaceBody = z.strictObject({
  name: z.string().min(1).max(200).refine((name) => name.trim().length > 0, 'must not be blank'),
  config: policyConfig,
});

const testBody = z.strictObject({ config: policyConfig });

export function policiesRouter({ db }: ApiDeps): Router {
  const { prisma } = db;
  const router = Router({ mergeParams: true });

  router.get('/policies/current', requireScope('audit:read'), async (_req, res) => {
    sendData(res, 200, serializePolicy(await currentPolicy(prisma, res.locals.tenant)));
  });

  router.put('/policies/current', requireScope('audit:write'), async (req, res) => {
    const { name, config } = parseBody(req, replaceBody);
    const policy = await replaceCurrentPolicy(prisma, res.locals.tenant, name, config);
    // jsonb keeps object keys in an order of its own: answer with the config as it was sent.
    sendData(res, 200, { ...serializePolicy(policy), config });
  });

  // A what-if that writes nothing, so a read key may ask it.
  router.post('/policies/test', requireScope('audit:read'), async (req, res) => {
    const { config } = parseBody(req, testBody);
    const findings = await openFindingsForSimulation(prisma, res.locals.tenant);
    sendData(res, 200, simulatePolicy(findings, config));
  });

  return router;
}
