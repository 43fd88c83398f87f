import type { RequestHandler, Response } from 'express';
import type pg from 'pg';
import type { Config } from '../../platform/config.ts';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';

export interface BucketLimits {
  name: 'default' | 'strict';
  max: number;
  windowSeconds: number;
}

/**
 * A per-org fixed-window bucket, counted in PostgreSQL so every API process shares it. Each
 * bucket sets the x-ratelimit-* headers, so a route behind two buckets shows the last one.
 * Krafter's 429 body is flat, not enveloped.
 */
/**
 * The strict bucket of the routes that start work (POST scans/run, POST crawls/run): one counter
 * per org under the name 'strict', so a crawl and a scan spend the same units.
 */
export function strictRateLimit(pool: pg.Pool, config: Pick<Config, 'RATE_LIMIT_STRICT_MAX' | 'RATE_LIMIT_STRICT_WINDOW_SECONDS'>): RequestHandler {
  return rateLimit(pool, { name: 'strict', max: config.RATE_LIMIT_STRICT_MAX, windowSeconds: config.RATE_LIMIT_STRICT_WINDOW_SECONDS });
}

export function rateLimit(pool: pg.Pool, limits: BucketLimits): RequestHandler {
  const limiter = new RateLimiterPostgres({
    storeClient: pool,
    tableName: 'rate_limits',
    tableCreated: true,
    clearExpiredByTimeout: true,
    keyPrefix: limits.name,
    points: limits.max,
    duration: limits.windowSeconds,
  });
  return async (_req, res, next) => {
    try {
      const result = await limiter.consume(res.locals.apiKey.orgId);
      setHeaders(res, limits.max, result);
      next();
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      setHeaders(res, limits.max, rejection);
      const retryAfter = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      res.setHeader('retry-after', String(retryAfter));
      res.status(429).json({ error: 'Rate limit exceeded', retry_after: retryAfter });
    }
  };
}

function setHeaders(res: Response, max: number, state: RateLimiterRes): void {
  res.setHeader('x-ratelimit-limit', String(max));
  res.setHeader('x-ratelimit-remaining', String(Math.max(0, max - state.consumedPoints)));
  res.setHeader('x-ratelimit-reset', String(Math.ceil((Date.now() + state.msBeforeNext) / 1000)));
}
