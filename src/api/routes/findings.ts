import { Router } from 'express';
import { z } from 'zod';
import { FindingDomain, FindingStatus, Severity } from '../../generated/prisma/enums.ts';
import type { FindingEdit } from '../../domain/finding-edits.ts';
import { editFinding, editFindings } from '../../services/finding-edits.ts';
import type { ApiDeps } from '../deps.ts';
import { sendData } from '../envelope.ts';
import { ApiError, notFound } from '../errors.ts';
import { requireScope } from '../middleware/auth.ts';
import { serializeFinding, serializeRegression } from '../serializers/finding.ts';
import { parseBody, parseQuery, uuidParam } from '../validation.ts';

/** Krafter pages findings by offset, not cursor: `meta.next_cursor` is always null. */
const listQuery = z.strictObject({
  severity: z.enum(Severity).optional(),
  status: z.enum(FindingStatus).optional(),
  domain: z.enum(FindingDomain).optional(),
  // The findings a scan saw: last_seen_scan_id, which a later scan seeing them again takes over.
  scan_id: z.guid().transform((id) => id.toLowerCase()).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

/** Any 8-4-4-4-12 hex id, as PostgreSQL's uuid takes it (Krafter's own examples are not RFC 4122). */
const anyUuid = z.guid().transform((id) => id.toLowerCase());

const editFields = {
  status: z.enum(FindingStatus).optional(),
  severity: z.enum(Severity).optional(),
  owner_id: anyUuid.nullable().optional(),
};
const changesSomething = (edit: FindingEdit) => edit.status !== undefined || edit.severity !== undefined || edit.owner_id !== undefined;
const NOTHING_TO_CHANGE = 'give at least one of status, severity, owner_id';

const editBody = z.strictObject(editFields).refine(changesSomething, NOTHING_TO_CHANGE);

const BULK_EDIT_MAX_IDS = 500;
const bulkEditBody = z
  .strictObject({
    ids: z
      .array(anyUuid)
      .min(1)
      .max(BULK_EDIT_MAX_IDS)
      .superRefine((ids, ctx) => {
        const firstIndex = new Map<string, number>();
        ids.forEach((id, index) => {
          const first = firstIndex.get(id);
          if (first === undefined) firstIndex.set(id, index);
          else ctx.addIssue({ code: 'custom', path: [index], message: `repeats ids.${first}` });
        });
      }),
    ...editFields,
  })
  .refine(changesSomething, NOTHING_TO_CHANGE);

export function findingsRouter({ db }: ApiDeps): Router {
  const { prisma } = db;
  const router = Router({ mergeParams: true });

  router.get('/findings', requireScope('audit:read'), async (req, res) => {
    const { limit, offset, scan_id, ...filters } = parseQuery(req, listQuery);
    const { orgId, projectId } = res.locals.tenant;
    const where = { org_id: orgId, project_id: projectId, ...filters, ...(scan_id ? { last_seen_scan_id: scan_id } : {}) };
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

  router.patch('/findings/:finding_id', requireScope('audit:write'), async (req, res) => {
    const id = uuidParam.safeParse(req.params.finding_id);
    if (!id.success) throw notFound();
    const edit = parseBody(req, editBody);
    const outcome = await editFinding(prisma, res.locals.tenant, id.data, edit, `api_key:${res.locals.apiKey.keyId}`);
    if (!outcome.ok && outcome.notFound) throw notFound();
    if (!outcome.ok) throw new ApiError('conflict', `Illegal status change: ${outcome.reason}`, { status: [outcome.reason] });
    sendData(res, 200, serializeFinding(outcome.finding));
  });

  router.post('/findings/bulk', requireScope('audit:write'), async (req, res) => {
    const { ids, ...edit } = parseBody(req, bulkEditBody);
    const outcome = await editFindings(prisma, res.locals.tenant, ids, edit, `api_key:${res.locals.apiKey.keyId}`);
    if (!outcome.ok) {
      const refused = Object.keys(outcome.failures).length;
      throw new ApiError('conflict', `Nothing was changed: ${refused} of ${ids.length} findings cannot take this change`, outcome.failures);
    }
    sendData(res, 200, { updated: outcome.updated, results: outcome.results });
  });

  return router;
}
