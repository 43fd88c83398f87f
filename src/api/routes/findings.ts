import { Router } from 'express';
import { editFinding, editFindings } from '../../services/finding-edits.ts';
import { listFindingEvents } from '../../services/finding-history.ts';
import type { ApiDeps } from '../deps.ts';
import { sendData } from '../envelope.ts';
import { ApiError, notFound } from '../errors.ts';
import { requireScope } from '../middleware/auth.ts';
import { afterCursor, orderNewestFirst, toPage } from '../pagination.ts';
import { bulkEditFindingsBody, editFindingBody, findingEventListQuery, findingListQuery } from '../schemas/requests.ts';
import { serializeFinding, serializeFindingEvent, serializeRegression } from '../serializers/finding.ts';
import { parseBody, parseQuery, uuidParam } from '../validation.ts';
import { findingOrderBy } from '../../domain/finding-order.ts';

export function findingsRouter({ db }: ApiDeps): Router {
  const { prisma } = db;
  const router = Router({ mergeParams: true });

  router.get('/findings', requireScope('audit:read'), async (req, res) => {
    const { limit, offset, scan_id, sort, ...filters } = parseQuery(req, findingListQuery);
    const { orgId, projectId } = res.locals.tenant;
    const where = { org_id: orgId, project_id: projectId, ...filters, ...(scan_id ? { last_seen_scan_id: scan_id } : {}) };
    const [rows, total] = await Promise.all([
      prisma.finding.findMany({
        where,
        orderBy: findingOrderBy(sort),
        take: limit,
        skip: offset,
      }),
      prisma.finding.count({ where }),
    ]);
    sendData(res, 200, rows.map(serializeFinding), { total, next_cursor: null });
  });

  router.get('/findings/:finding_id', requireScope('audit:read'), async (req, res) => {
    const id = uuidParam.safeParse(req.params.finding_id);
    if (!id.success) throw notFound();
    const { orgId, projectId } = res.locals.tenant;
    const finding = await prisma.finding.findFirst({
      where: { id: id.data, org_id: orgId, project_id: projectId },
      include: { regressions: { orderBy: { opened_at: 'desc' } } },
    });
    if (!finding) throw notFound();
    sendData(res, 200, { ...serializeFinding(finding), regressions: finding.regressions.map(serializeRegression) });
  });

  router.get('/findings/:finding_id/events', requireScope('audit:read'), async (req, res) => {
    const id = uuidParam.safeParse(req.params.finding_id);
    if (!id.success) throw notFound();
    const { cursor, limit } = parseQuery(req, findingEventListQuery);
    const history = await listFindingEvents(prisma, res.locals.tenant, id.data, { where: afterCursor(cursor, 'created_at'), orderBy: orderNewestFirst('created_at'), take: limit + 1 });
    if (!history) throw notFound();
    const page = toPage(history.rows, limit, (row) => row.created_at);
    sendData(res, 200, page.items.map(serializeFindingEvent), { total: history.total, next_cursor: page.nextCursor });
  });

  router.patch('/findings/:finding_id', requireScope('audit:write'), async (req, res) => {
    const id = uuidParam.safeParse(req.params.finding_id);
    if (!id.success) throw notFound();
    const { reason, ...edit } = parseBody(req, editFindingBody);
    const outcome = await editFinding(prisma, res.locals.tenant, id.data, edit, `api_key:${res.locals.apiKey.keyId}`, reason);
    if (!outcome.ok && outcome.notFound) throw notFound();
    if (!outcome.ok) throw new ApiError('conflict', `Illegal status change: ${outcome.reason}`, { status: [outcome.reason] });
    sendData(res, 200, serializeFinding(outcome.finding));
  });

  router.post('/findings/bulk', requireScope('audit:write'), async (req, res) => {
    const { ids, reason, ...edit } = parseBody(req, bulkEditFindingsBody);
    const outcome = await editFindings(prisma, res.locals.tenant, ids, edit, `api_key:${res.locals.apiKey.keyId}`, reason);
    if (!outcome.ok) {
      const refused = Object.keys(outcome.failures).length;
      throw new ApiError('conflict', `Nothing was changed: ${refused} of ${ids.length} findings cannot take this change`, outcome.failures);
    }
    sendData(res, 200, { updated: outcome.updated, results: outcome.results });
  });

  return router;
}
