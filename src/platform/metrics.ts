import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { RequestHandler, Response } from 'express';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { ScannerName } from '../domain/scanners.ts';
import type { Logger } from './logger.ts';

/**
 * Prometheus metrics (docs/deploy.md, "Metrics"). Each process has its own registry, so an API and
 * a worker sharing one process (the tests' stack) still serve only their own figures.
 *
 * Who counts what, so nothing is counted twice or lost on a retry:
 * - the API: HTTP requests, by route template;
 * - the worker: scans started and finished where the run's status changes in the database (the
 *   guarded update that made the change counts it, a retried activity finds nothing to change),
 *   each scanner attempt, and each browser job's wait for a Chromium slot.
 */

export const CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

export interface ApiMetrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
}

export function createApiMetrics(): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'sitewarden_http_request_duration_seconds',
      help: 'API requests by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}

/** How a scanner attempt ended: its slot done or failed, or failed and to be retried by Temporal. */
export type ScannerOutcome = 'done' | 'failed' | 'retrying';
export type FinishedStatus = 'completed' | 'failed';

export interface WorkerMetrics {
  registry: Registry;
  scansStarted: Counter;
  scansFinished: Counter<'status'>;
  scannerDuration: Histogram<'scanner' | 'outcome'>;
  browserQueueWait: Histogram<'outcome'>;
}

export function createWorkerMetrics(): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    scansStarted: new Counter({
      name: 'sitewarden_scans_started_total',
      help: 'Scan runs that began (queued → running), counted once by the worker that moved them',
      registers: [registry],
    }),
    scansFinished: new Counter({
      name: 'sitewarden_scans_finished_total',
      help: 'Scan runs closed (completed or failed), counted once where the final status is written',
      labelNames: ['status'],
      registers: [registry],
    }),
    scannerDuration: new Histogram({
      name: 'sitewarden_scanner_duration_seconds',
      help: 'Scanner activity attempts by scanner and outcome (done, failed, retrying)',
      labelNames: ['scanner', 'outcome'],
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 60, 120, 180],
      registers: [registry],
    }),
    browserQueueWait: new Histogram({
      name: 'sitewarden_browser_queue_wait_seconds',
      help: 'Browser jobs from being scheduled to getting a Chromium slot (granted), or to giving up (exceeded)',
      labelNames: ['outcome'],
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
      registers: [registry],
    }),
  };
}

/** Counts a scan's status change when the guarded update changed a row (not on a retry that found it done). */
export function countFinished(metrics: WorkerMetrics | undefined, status: FinishedStatus, changed: number): void {
  if (changed > 0) metrics?.scansFinished.inc({ status }, changed);
}

/**
 * The API's request histogram. The route label is the Express route *template*
 * (`/api/v1/orgs/:org_id/…/scans/:scan_id`), never the path, which carries ids and signed-link
 * tokens: `req.route.path` under the template of the router it is mounted on (`routeBase`).
 * A request no route answered (a 404, or refused before its route, such as a 401) gets its
 * router's template with `/*`, or `unmatched`.
 */
export function httpMetrics(metrics: ApiMetrics): RequestHandler {
  return (req, res, next) => {
    const end = metrics.httpDuration.startTimer();
    res.once('finish', () => {
      end({ method: req.method, route: routeTemplate(req.route as { path?: unknown } | undefined, res), status: String(res.statusCode) });
    });
    next();
  };
}

function routeTemplate(route: { path?: unknown } | undefined, res: Response): string {
  const base = res.locals.routeBase ?? '';
  if (route && typeof route.path === 'string') return `${base}${route.path}` || '/';
  return base ? `${base}/*` : 'unmatched';
}

/** Marks the requests of a router mounted on `template`, for the route label. */
export function routeBase(template: string): RequestHandler {
  return (_req, res, next) => {
    res.locals.routeBase = template;
    next();
  };
}

/** Whether the request carries `Bearer <token>` (constant-time: both sides hashed to one length first). */
export function bearerMatches(authorization: string | undefined, token: string | undefined): boolean {
  if (!token) return true;
  const given = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
  if (!given) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(token));
}

/** The error envelope (src/api/envelope.ts) for a process without Express: the worker's metrics port. */
function sendPlainError(res: ServerResponse, status: number, code: string, message: string): void {
  const requestId = `F-${randomBytes(14).toString('base64url').slice(0, 18)}`;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-request-id': requestId });
  res.end(JSON.stringify({ data: null, meta: { request_id: requestId }, error: { code, message } }));
}

export const METRICS_UNAUTHORIZED = 'Invalid or missing metrics token';

export interface MetricsServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export interface MetricsServerOptions {
  host: string;
  port: number;
  token: string | undefined;
  registry: Registry;
  /** More Prometheus text to append (the Temporal SDK's own metrics); empty when unavailable. */
  extra?: () => Promise<string>;
  logger: Logger;
}

/** The worker's `GET /metrics`: its registry, then the Temporal Core metrics, behind METRICS_TOKEN. */
export async function serveMetrics({ host, port, token, registry, extra, logger }: MetricsServerOptions): Promise<MetricsServer> {
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') return sendPlainError(res, 404, 'not_found', 'Not found');
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendPlainError(res, 404, 'not_found', 'Not found');
    if (!bearerMatches(req.headers.authorization, token)) return sendPlainError(res, 401, 'unauthorized', METRICS_UNAUTHORIZED);
    const [own, more] = await Promise.all([registry.metrics(), extra ? extra() : Promise.resolve('')]);
    res.writeHead(200, { 'content-type': CONTENT_TYPE });
    res.end(req.method === 'HEAD' ? undefined : more ? `${own}\n${more}` : own);
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger.error({ err: { name: (err as Error)?.name, message: (err as Error)?.message } }, 'metrics request failed');
      if (!res.headersSent) sendPlainError(res, 500, 'internal', 'Internal server error');
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const url = `http://${bound.address.includes(':') ? `[${bound.address}]` : bound.address}:${bound.port}/metrics`;
  return {
    server,
    url,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The scanner each scanner activity runs. */
const SCANNER_ACTIVITIES: Record<string, ScannerName> = {
  runSecurityScanner: 'security',
  runSeoScanner: 'seo',
  runAccessibilityScanner: 'accessibility',
  runPerformanceScanner: 'performance',
};

/** Failures that are turns in the browser queue, not scanner runs (src/activities/browser-share.ts). */
const NOT_A_RUN = new Set(['BrowserBusy']);

/**
 * Times every attempt of a scanner activity. `done` and `failed` settle the scanner's slot (a
 * failure is final when it is non-retryable, its type is, or it was the last allowed attempt);
 * `retrying` is an attempt Temporal will run again. A turn-back from the browser queue's fair
 * share is not a run and is not timed (its wait is in sitewarden_browser_queue_wait_seconds).
 */
export function scannerMetricsInterceptor(metrics: WorkerMetrics): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        if (ctx.info.activityType === 'runHttpScanners') return timeHttpScans(metrics, ctx.info, input.args[1], () => next(input));
        if (ctx.info.activityType === 'openLightScan') return timeLightScan(metrics, () => next(input));
        const scanner = SCANNER_ACTIVITIES[ctx.info.activityType];
        if (!scanner) return next(input);
        const end = metrics.scannerDuration.startTimer({ scanner });
        try {
          const result = await next(input);
          end({ outcome: 'done' });
          return result;
        } catch (err) {
          if (!(err instanceof ApplicationFailure && err.type && NOT_A_RUN.has(err.type))) {
            end({ outcome: finalFailure(err, ctx.info) ? 'failed' : 'retrying' });
          }
          throw err;
        }
      },
    },
  });
}

/**
 * runHttpScanners (patch scan-one-http-activity) runs security and SEO in one attempt: each scanner
 * it settled is counted with its slot's outcome, and the attempt's duration (the page fetch and
 * both scanners side by side); a failed attempt counts every scanner it was asked to run.
 */
async function timeHttpScans(metrics: WorkerMetrics, info: Parameters<typeof finalFailure>[1], asked: unknown, run: () => Promise<unknown>): Promise<unknown> {
  const names = (Array.isArray(asked) ? asked : []).filter((name): name is ScannerName => typeof name === 'string');
  const started = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
  try {
    const result = await run();
    const slots = (result as { slots?: Partial<Record<ScannerName, { status: string }>> } | undefined)?.slots ?? {};
    for (const name of names) {
      const status = slots[name]?.status;
      if (status === 'done' || status === 'failed') metrics.scannerDuration.observe({ scanner: name, outcome: status }, seconds());
    }
    return result;
  } catch (err) {
    const outcome = finalFailure(err, info) ? 'failed' : 'retrying';
    for (const name of names) metrics.scannerDuration.observe({ scanner: name, outcome }, seconds());
    throw err;
  }
}

/**
 * openLightScan (patch scan-light-one-activity) runs a light scan's scanners between its opening
 * and closing steps: each scanner it settled is counted with its slot's outcome and the attempt's
 * duration (the bookkeeping around them is a few milliseconds). A failed attempt is not counted:
 * which scanners it was to run is in the plan it may not have made; the attempt that settles the
 * slots (the last, at the latest) counts them.
 */
async function timeLightScan(metrics: WorkerMetrics, run: () => Promise<unknown>): Promise<unknown> {
  const started = process.hrtime.bigint();
  const result = await run();
  const slots = (result as { light?: { slots?: Partial<Record<ScannerName, { status: string }>> } } | undefined)?.light?.slots ?? {};
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  for (const [name, slot] of Object.entries(slots) as [ScannerName, { status: string }][]) {
    if (slot.status === 'done' || slot.status === 'failed') metrics.scannerDuration.observe({ scanner: name, outcome: slot.status }, seconds);
  }
  return result;
}

function finalFailure(err: unknown, info: { attempt: number; retryPolicy?: { maximumAttempts?: number; nonRetryableErrorTypes?: string[] } }): boolean {
  if (err instanceof CancelledFailure) return true;
  if (err instanceof ApplicationFailure) {
    if (err.nonRetryable) return true;
    if (err.type && info.retryPolicy?.nonRetryableErrorTypes?.includes(err.type)) return true;
  } else if (err instanceof Error && info.retryPolicy?.nonRetryableErrorTypes?.includes(err.name)) {
    return true;
  }
  const max = info.retryPolicy?.maximumAttempts;
  return max !== undefined && max > 0 && info.attempt >= max;
}
