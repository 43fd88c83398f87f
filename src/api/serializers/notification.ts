import type { NotificationChannelSetting, NotificationDelivery } from '../../generated/prisma/client.ts';
import { iso } from './time.ts';

/** Never the config nor the signing secret: those stay encrypted in the row. */
export function serializeChannel(c: NotificationChannelSetting) {
  return { id: c.id, type: c.type, name: c.name, target: c.target, created_at: iso(c.created_at)!, updated_at: iso(c.updated_at)! };
}

export function serializeDelivery(d: NotificationDelivery) {
  return {
    id: d.id,
    event_id: d.event_id,
    event_type: d.event_type,
    channel_id: d.channel_id,
    channel: d.channel,
    idempotency_key: d.idempotency_key,
    target: d.target,
    status: d.status,
    attempts: d.attempts,
    last_error: d.last_error,
    response_code: d.response_code,
    delivered_at: iso(d.delivered_at),
    created_at: iso(d.created_at)!,
    updated_at: iso(d.updated_at)!,
  };
}
