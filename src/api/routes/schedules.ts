import { Router } from 'express';
import { parseCron, parseEvery } from '../../domain/schedule-spec.ts';
import { checkTargetUrl } from '../../gather/ssrf/url-guard.ts';
import { createSchedule, deleteSchedule, findSchedule, recentScheduleRuns, ScheduleSpecRefused, scheduleTiming, setSchedulePaused } from '../../services/schedules.ts';
import type { ApiDeps } from '../deps.ts';
import { sendData } from '../envelope.ts';
import { invalidParams, notFound } from '../errors.ts';
import { requireScope } from '../middleware/auth.ts';
import { afterCursor, orderNewestFirst, toPage } from '../pagination.ts';
import { createScheduleBody, scheduleListQuery, updateScheduleBody } from '../schemas/requests.ts';
import { serializeSchedule, serializeScheduleDetail } from '../serializers/schedule.ts';
import { parseBody, parseQuery, uuidParam } from '../validation.ts';

/** Scheduled scans (docs/schedules.md): a Temporal Schedule each, through services/schedules.ts. */
export function schedulesRouter({ config, db, temporal }: ApiDeps): Router {
  const { prisma } = db;
  const router = Router({ mergeParams: true });

  async function scheduleOf(tenant: { orgId: string; projectId: string }, rawId: unknown) {
    const id = uuidParam.safeParse(rawId);
    if (!id.success) throw notFound();
    const row = await findSchedule(prisma, tenant, id.data);
    if (!row) throw notFound();
    return row;
  }

  router.post('/schedules', requireScope('audit:write'), async (req, res) => {
    const body = parseBody(req, createScheduleBody);
    const target = checkTargetUrl(body.url, config.allowlist);
    if (!target.ok) throw invalidParams({ url: [target.reason] });
    const cron = body.cron === undefined ? undefined : parseCron(body.cron);
    if (cron && !cron.ok) throw invalidParams({ cron: [cron.reason] });
    const every = body.every === undefined ? undefined : parseEvery(body.every, config.SCHEDULE_MIN_INTERVAL_SECONDS);
    if (every && !every.ok) throw invalidParams({ every: [every.reason] });
    try {
      const row = await createSchedule(prisma, temporal, config, res.locals.tenant, {
        url: target.url.href,
        cron: cron?.ok ? cron.value : undefined,
        every: every?.ok ? { text: body.every!.trim(), seconds: every.value.seconds } : undefined,
        scanners: body.scanners,
        crawl: body.crawl ?? null,
      });
      sendData(res, 201, serializeSchedule(row));
    } catch (err) {
      if (err instanceof ScheduleSpecRefused) throw invalidParams({ [err.field]: [err.reason] });
      throw err;
    }
  });

  router.get('/schedules', requireScope('audit:read'), async (req, res) => {
    const { cursor, limit } = parseQuery(req, scheduleListQuery);
    const { orgId, projectId } = res.locals.tenant;
    const scope = { org_id: orgId, project_id: projectId };
    const [rows, total] = await Promise.all([
      prisma.scanSchedule.findMany({ where: { ...scope, ...afterCursor(cursor, 'created_at') }, orderBy: orderNewestFirst('created_at'), take: limit + 1 }),
      prisma.scanSchedule.count({ where: scope }),
    ]);
    const page = toPage(rows, limit, (row) => row.created_at);
    sendData(res, 200, page.items.map(serializeSchedule), { total, next_cursor: page.nextCursor });
  });

  router.get('/schedules/:schedule_id', requireScope('audit:read'), async (req, res) => {
    const row = await scheduleOf(res.locals.tenant, req.params.schedule_id);
    const [timing, runs] = await Promise.all([scheduleTiming(temporal, row), recentScheduleRuns(prisma, row.id)]);
    sendData(res, 200, serializeScheduleDetail(row, timing, runs));
  });

  router.patch('/schedules/:schedule_id', requireScope('audit:write'), async (req, res) => {
    const row = await scheduleOf(res.locals.tenant, req.params.schedule_id);
    const { paused } = parseBody(req, updateScheduleBody);
    sendData(res, 200, serializeSchedule(await setSchedulePaused(prisma, temporal, config, row, paused)));
  });

  router.delete('/schedules/:schedule_id', requireScope('audit:write'), async (req, res) => {
    const row = await scheduleOf(res.locals.tenant, req.params.schedule_id);
    await deleteSchedule(prisma, temporal, row);
    sendData(res, 200, { id: row.id, deleted: true as const });
  });

  return router;
}
