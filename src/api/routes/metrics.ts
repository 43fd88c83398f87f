import { Router } from 'express';
import type { Config } from '../../platform/config.ts';
import { bearerMatches, METRICS_UNAUTHORIZED, type ApiMetrics } from '../../platform/metrics.ts';
import { ApiError } from '../errors.ts';

/** GET /metrics: Prometheus text, behind METRICS_TOKEN when it is set (not an API key: scrapers hold no org). */
export function metricsRouter(config: Pick<Config, 'METRICS_TOKEN'>, metrics: ApiMetrics): Router {
  const router = Router();
  router.get('/metrics', async (req, res) => {
    if (!bearerMatches(req.get('authorization'), config.METRICS_TOKEN)) throw new ApiError('unauthorized', METRICS_UNAUTHORIZED);
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}
