import express, { Router, type Express } from 'express';
import { pinoHttp } from 'pino-http';
import type { ApiDeps } from './deps.ts';
import './locals.ts';
import { createApiMetrics, httpMetrics, routeBase } from '../platform/metrics.ts';
import { authenticate } from './middleware/auth.ts';
import { errorHandler, notFoundHandler } from './middleware/errors.ts';
import { rateLimit } from './middleware/rate-limit.ts';
import { requestId } from './middleware/request-id.ts';
import { resolveTenant } from './middleware/tenant.ts';
import { accountRouter } from './routes/account.ts';
import { dashboardRouter } from './routes/dashboard.ts';
import { commandCenterRouter } from './routes/command-center.ts';
import { docsRouter } from './routes/docs.ts';
import { findingsRouter } from './routes/findings.ts';
import { healthRouter } from './routes/health.ts';
import { integrationsRouter } from './routes/integrations.ts';
import { metricsRouter } from './routes/metrics.ts';
import { notificationsRouter } from './routes/notifications.ts';
import { policiesRouter } from './routes/policies.ts';
import { publicRouter } from './routes/public.ts';
import { reportsRouter } from './routes/reports.ts';
import { scansRouter } from './routes/scans.ts';
import { crawlsRouter } from './routes/crawls.ts';
import { siteAuthRouter } from './routes/site-auth.ts';
import { schedulesRouter } from './routes/schedules.ts';
import { tasksRouter } from './routes/tasks.ts';
import { verificationsRouter } from './routes/verifications.ts';

export const AUDIT_BASE = '/api/v1/orgs/:org_id/projects/:project_id/audit';

/**
 * Signed link tokens (downloads, share pages) are bearer credentials, valid for days: the access
 * log keeps the route and not the token. Express matches routes case-insensitively and the
 * token may come with more segments or slashes, so the match is as loose as the router's.
 */
const LINK_TOKEN = /^(\/+api\/+v1\/+(?:exports|shared\/+reports))(?:\/.*)?$/i;

export function loggedPath(url: string): string {
  const path = url.split('?')[0]!;
  return path.replace(LINK_TOKEN, (whole, route: string) => (whole.length > route.length ? `${route}/[redacted]` : route));
}

export function createApp(deps: ApiDeps): Express {
  const { config, db, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  const metrics = deps.metrics ?? createApiMetrics();
  app.use(requestId());
  app.use(httpMetrics(metrics));
  app.use(
    pinoHttp({
      logger,
      genReqId: (_req, res) => (res as express.Response).locals.requestId,
      serializers: {
        req: (req: { method: string; url: string }) => ({ method: req.method, path: loggedPath(req.url) }),
        res: (res: { statusCode: number }) => ({ status: res.statusCode }),
      },
    }),
  );
  app.use(healthRouter(deps));
  app.use(metricsRouter(config, metrics));
  app.use(docsRouter());
  app.use(dashboardRouter());
  app.use(publicRouter(deps));
  app.use(accountRouter(deps));

  // Order matters: who you are (401), your org's budget (429), whether the path is yours (404),
  // then the body. Scope (403) is checked per route, after the 404.
  const audit = Router({ mergeParams: true });
  audit.use(
    authenticate(db.prisma),
    rateLimit(db.pool, { name: 'default', max: config.RATE_LIMIT_DEFAULT_MAX, windowSeconds: config.RATE_LIMIT_DEFAULT_WINDOW_SECONDS }),
    resolveTenant(db.prisma),
    express.json({ limit: '256kb' }),
  );
  audit.use(scansRouter(deps));
  audit.use(crawlsRouter(deps));
  audit.use(schedulesRouter(deps));
  audit.use(findingsRouter(deps));
  audit.use(policiesRouter(deps));
  audit.use(tasksRouter(deps));
  audit.use(verificationsRouter(deps));
  audit.use(reportsRouter(deps));
  audit.use(commandCenterRouter(deps));
  audit.use(integrationsRouter(deps));
  audit.use(notificationsRouter(deps));
  audit.use(siteAuthRouter(deps));
  app.use(AUDIT_BASE, routeBase(AUDIT_BASE), audit);

  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return app;
}
