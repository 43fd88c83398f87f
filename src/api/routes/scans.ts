import { Router } from 'express';
import { checkTargetUrl } from '../../gather/ssrf/url-guard.ts';
import { createScanEventHub } from '../../services/scan-event-hub.ts';
import { kickoffScan } from '../../services/scan-kickoff.ts';
import type { ScanProgress } from '../../workflows/scan.ts';
import type { ApiDeps } from '../deps.ts';
import { sendData } from '../envelope.ts';
import { invalidParams, notFound } from '../errors.ts';
import { requireScope } from '../middleware/auth.ts';
import { strictRateLimit } from '../middleware/rate-limit.ts';
import { afterCursor, orderNewestFirst, toPage } from '../pagination.ts';
import { runScanBody, scanListQuery } from '../schemas/requests.ts';
import { serializeScanRun } from '../serializers/scan-run.ts';
import { parseBody, parseQuery, uuidParam } from '../validation.ts';
import { streamScanEvents } from './scan-events.ts';

/** A running scan's slots come from the workflow itself, if it answers quickly. */
const LIVE_QUERY_DEADLINE_MS = 1_000;

export function scansRouter(deps: ApiDeps): Router {
  const { config, db, temporal } = deps;
  const { prisma } = db;
  const router = Router({ mergeParams: true });
  const strictBucket = strictRateLimit(db.pool, config);

  router.post('/scans/run', requireScope('audit:write'), strictBucket, async (req, res) => {
    const body = parseBody(req, runScanBody);
    const target = checkTargetUrl(body.url, config.allowlist);
    if (!target.ok) throw invalidParams({ url: [target.reason] });

    const { orgId, projectId } = res.locals.tenant;
    const run = await kickoffScan(prisma, temporal, config, { orgId, projectId, url: target.url.href, trigger: body.trigger, scanners: body.scanners });
    sendData(res, 202, serializeScanRun(run));
  });

  router.get('/scans', requireScope('audit:read'), async (req, res) => {
    const { cursor, limit } = parseQuery(req, scanListQuery);
    const { orgId, projectId } = res.locals.tenant;
    const scope = { org_id: orgId, project_id: projectId };
    const [rows, total] = await Promise.all([
      prisma.scanRun.findMany({
        where: { ...scope, ...afterCursor(cursor, 'inserted_at') },
        orderBy: orderNewestFirst('inserted_at'),
        take: limit + 1,
      }),
      prisma.scanRun.count({ where: scope }),
    ]);
    const page = toPage(rows, limit, (row) => row.inserted_at);
    sendData(res, 200, page.items.map(serializeScanRun), { total, next_cursor: page.nextCursor });
  });

  router.get('/scans/:scan_id', requireScope('audit:read'), async (req, res) => {
    const scanId = uuidParam.safeParse(req.params.scan_id);
    if (!scanId.success) throw notFound();
    const { orgId, projectId } = res.locals.tenant;
    const run = await prisma.scanRun.findFirst({ where: { id: scanId.data, org_id: orgId, project_id: projectId } });
    if (!run) throw notFound();
    const live = run.status === 'running' ? await liveProgress(run.workflow_id) : null;
    const links = temporalUiLinks(config, run.workflow_id);
    sendData(res, 200, { ...serializeScanRun(live ? { ...run, scanner_status: live.scanner_status, analysis: live.analysis } : run), ...links });
  });

  // Live progress: fed by the writers' NOTIFYs, never by polling Temporal (docs/api.md).
  const hub = deps.scanEvents ?? createScanEventHub({ prisma, listener: db.listener, render: serializeScanRun, onError: (err, what) => deps.logger.warn({ err }, what) });
  router.get('/scans/:scan_id/events', requireScope('audit:read'), streamScanEvents(deps, hub));

  async function liveProgress(workflowId: string): Promise<ScanProgress | null> {
    try {
      const progress = await temporal.connection.withDeadline(Date.now() + LIVE_QUERY_DEADLINE_MS, () =>
        temporal.workflow.getHandle(workflowId).query<ScanProgress>('status'),
      );
      return progress;
    } catch {
      return null; // the persisted slots and stage are at most one transition behind
    }
  }

  return router;
}

/**
 * `links.temporal_ui`, the run's page in the Temporal Web UI, when TEMPORAL_UI_URL is set; the
 * key is absent otherwise, so the Krafter shape is unchanged (docs/api.md).
 */
export function temporalUiLinks(config: Pick<ApiDeps['config'], 'TEMPORAL_UI_URL' | 'TEMPORAL_NAMESPACE'>, workflowId: string): { links?: { temporal_ui: string } } {
  if (!config.TEMPORAL_UI_URL) return {};
  const base = config.TEMPORAL_UI_URL.replace(/\/+$/, '');
  return { links: { temporal_ui: `${base}/namespaces/${encodeURIComponent(config.TEMPORAL_NAMESPACE)}/workflows/${encodeURIComponent(workflowId)}` } };
}
