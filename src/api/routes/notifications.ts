import { Router } from 'express';
import { resolveInstanceSecret } from '../../platform/crypto.ts';
import { ChannelRefused, createChannel, deleteChannel, listChannels } from '../../services/notification-channels.ts';
import { deliveryScope, retryDelivery } from '../../services/notification-deliveries.ts';
import type { ApiDeps } from '../deps.ts';
import { sendData } from '../envelope.ts';
import { ApiError, invalidParams, notFound } from '../errors.ts';
import { requireScope } from '../middleware/auth.ts';
import { afterCursor, orderNewestFirst, toPage } from '../pagination.ts';
import { createChannelBody, deliveryListQuery } from '../schemas/requests.ts';
import { serializeChannel, serializeDelivery } from '../serializers/notification.ts';
import { parseBody, parseQuery, uuidParam } from '../validation.ts';

/** Channels (…/audit/channels) and delivery receipts (…/audit/notifications/deliveries): docs/notifications.md. */
export function notificationsRouter({ db, config, temporal }: ApiDeps): Router {
  const { prisma } = db;
  const router = Router({ mergeParams: true });
  const secret = resolveInstanceSecret(config);

  router.post('/channels', requireScope('audit:write'), async (req, res) => {
    const body = parseBody(req, createChannelBody);
    try {
      const { channel, signingSecret } = await createChannel(prisma, res.locals.tenant, body, secret, config.allowlist);
      sendData(res, 201, { ...serializeChannel(channel), signing_secret: signingSecret });
    } catch (err) {
      if (err instanceof ChannelRefused) throw invalidParams({ [err.field]: [err.message] });
      throw err;
    }
  });

  router.get('/channels', requireScope('audit:read'), async (_req, res) => {
    const channels = await listChannels(prisma, res.locals.tenant);
    sendData(res, 200, channels.map(serializeChannel), { total: channels.length, next_cursor: null });
  });

  router.delete('/channels/:channel_id', requireScope('audit:write'), async (req, res) => {
    const id = uuidParam.safeParse(req.params.channel_id);
    if (!id.success || !(await deleteChannel(prisma, res.locals.tenant, id.data))) throw notFound();
    sendData(res, 200, { id: id.data, deleted: true });
  });

  router.get('/notifications/deliveries', requireScope('audit:read'), async (req, res) => {
    const { cursor, limit, ...filters } = parseQuery(req, deliveryListQuery);
    const scope = deliveryScope(res.locals.tenant, filters);
    const [rows, total] = await Promise.all([
      prisma.notificationDelivery.findMany({ where: { ...scope, ...afterCursor(cursor, 'created_at') }, orderBy: orderNewestFirst('created_at'), take: limit + 1 }),
      prisma.notificationDelivery.count({ where: scope }),
    ]);
    const page = toPage(rows, limit, (row) => row.created_at);
    sendData(res, 200, page.items.map(serializeDelivery), { total, next_cursor: page.nextCursor });
  });

  router.post('/notifications/deliveries/:delivery_id/retry', requireScope('audit:write'), async (req, res) => {
    const id = uuidParam.safeParse(req.params.delivery_id);
    if (!id.success) throw notFound();
    const outcome = await retryDelivery(prisma, temporal, config.TEMPORAL_TASK_QUEUE, res.locals.tenant, id.data);
    if (!outcome.ok) {
      if (outcome.reason === 'not_found') throw notFound();
      throw new ApiError('conflict', outcome.reason === 'not_failed' ? 'Only a failed delivery can be retried' : 'A report share is retried by sharing again');
    }
    const row = await prisma.notificationDelivery.findUniqueOrThrow({ where: { id: id.data } });
    sendData(res, 202, { ...serializeDelivery(row), workflow_id: outcome.workflowId });
  });

  return router;
}
