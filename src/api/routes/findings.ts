import { Router } from 'express';
import { z } from 'zod';
import { FindingDomain, FindingStatus, Severity } from '../../generated/prisma/enums.ts';
import type { ApiDeps } from '../deps.ts';
import { sendData } from '../envelope.ts';
import { notFound } from '../errors.ts';
import { requireScope } from '../middleware/auth.ts';
import { serializeFinding, serializeRegression } from '../serializers/finding.ts';
import { parseQuery, uuidParam } from '../validation.ts';

/** Krafter pages findings by offset, not cursor: `meta.next_cursor` is always null. */
const listQuery = z.strictObject({
  severity: z.enum(Severity).optional(),
  status: z.enum(FindingStatus).optional(),
  domain: z.enum(FindingDomain).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

export function findingsRouter({ db }: ApiDeps): Router {
  const { prisma } = db;
  const router = Router({ mergeParams: true });

  router.get('/findings', requireScope('audit:read'), async (req, res) => {
    const { limit, offset, ...filters } = parseQuery(req, listQuery);
    const { orgId, projectId } = res.locals.tenant;
    const where = { org_id: orgId, project_id: projectId, ...filters };
    const [rows, total] = await Promise.all([
      prisma.finding.findMany({
        where,
        orderBy: [{ priority_score: 'desc' }, { inserted_at: 'desc' }, { id: 'desc' }],
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

  return router;
}
