import { ApplicationFailure } from '@temporalio/activity';
import nodemailer from 'nodemailer';
import { retryableStatus, routeEvent } from '../domain/notifications.ts';
import { SafeFetchError, type SafeFetcher } from '../gather/safe-fetch.ts';
import { emailNotification, slackNotification, webhookBody, type NotificationBody } from '../notifications/messages.ts';
import { SIGNATURE_HEADER, signatureHeader } from '../notifications/signature.ts';
import type { Config } from '../platform/config.ts';
import { resolveInstanceSecret } from '../platform/crypto.ts';
import type { Db } from '../platform/db.ts';
import { openChannel } from '../services/notification-channels.ts';
import { routingConfigOf } from '../services/notification-routing.ts';
import { heartbeating } from './heartbeat.ts';
import { nothingWasSent } from './reports/share.ts';

/** Failures a retry cannot fix; the workflow's activity options name the same list. */
export const NOTIFICATION_PERMANENT_ERRORS = ['TargetRefused', 'ReceiverRejected', 'MailRejected', 'NotConfigured', 'ChannelGone', 'OutcomeUnknown'] as const;

export interface NotificationPlan {
  deliveryIds: string[];
  retry: { initialIntervalMs: number; maximumAttempts: number };
  sendTimeoutMs: number;
}

const MAX_ERROR = 1_000;

export const deliveryKey = (eventId: string, channelId: string) => `event:${eventId}:${channelId}`;

/** The receiver answered with an HTTP status that a later attempt may change (408, 429, 5xx). */
class RetryableStatus extends Error {
  constructor(readonly status: number) {
    super(`the receiver answered HTTP ${status}`);
    this.name = 'RetryableStatus';
  }
}

/**
 * The notification activities (docs/notifications.md):
 * - routeNotificationEvent: the event's routed channels → one delivery row each (idempotency key
 *   event id + channel id; a second run of it finds the rows and adds none);
 * - deliverNotification: one attempt at one delivery. Webhooks are at least once (the receiver
 *   dedupes on the body's `id`, the event id); Slack and email at most once (claimed before
 *   sending; an attempt that finds the claim of one that died never sends again);
 * - failNotificationDelivery: the workflow's last word on a delivery whose retries ran out.
 */
export function createNotificationActivities(prisma: Db, config: Config, send: SafeFetcher) {
  const secret = resolveInstanceSecret(config);
  const timeout = config.NOTIFY_SEND_TIMEOUT_MS;
  const mailer = config.SMTP_URL
    ? nodemailer.createTransport({ url: config.SMTP_URL, connectionTimeout: timeout, greetingTimeout: timeout, socketTimeout: timeout })
    : undefined;
  const bounded = (err: unknown) => String((err as Error)?.message ?? err).slice(0, MAX_ERROR);

  async function loadEvent(eventId: string): Promise<NotificationBody> {
    const e = await prisma.notificationEvent.findUnique({ where: { id: eventId } });
    if (!e) throw ApplicationFailure.nonRetryable(`no notification event ${eventId}`, 'ChannelGone');
    return { id: e.id, type: e.type, created_at: e.created_at.toISOString(), project_id: e.project_id, data: (e.data ?? {}) as Record<string, unknown> };
  }

  /** One POST through the guarded fetcher (the URL and its DNS answers are checked again now), never following a redirect. */
  async function post(url: string, body: string, headers: Record<string, string>): Promise<number> {
    try {
      const { status } = await send.fetchPage(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers }, followRedirects: false });
      return status;
    } catch (err) {
      // It answered, with more body than we read: it got the request, so this is no refusal of the target.
      if (err instanceof SafeFetchError && err.code === 'too_large') throw new Error(`the receiver answered with an oversized body: ${err.message}`);
      if (err instanceof SafeFetchError && err.permanent) throw ApplicationFailure.nonRetryable(`the URL was refused: ${err.message}`, 'TargetRefused');
      throw err;
    }
  }

  async function record(deliveryId: string, data: { status?: 'pending' | 'sending' | 'delivered' | 'failed'; last_error?: string | null; response_code?: number | null; delivered_at?: Date }, from?: 'pending' | 'sending') {
    await prisma.notificationDelivery.updateMany({ where: { id: deliveryId, ...(from ? { status: from } : {}) }, data });
  }

  /** A status answer: 2xx delivered; 408/429/5xx retried; any other 4xx is final. */
  function judge(status: number): void {
    if (status >= 200 && status < 300) return;
    if (retryableStatus(status)) throw new RetryableStatus(status);
    throw ApplicationFailure.nonRetryable(`the receiver answered HTTP ${status}`, 'ReceiverRejected');
  }

  /** Webhook: at least once. Every attempt is counted before it sends; the same body (same id) each time. */
  async function deliverWebhook(deliveryId: string, event: NotificationBody, url: string, signingSecret: string): Promise<void> {
    const counted = await prisma.notificationDelivery.updateMany({ where: { id: deliveryId, status: 'pending' }, data: { attempts: { increment: 1 } } });
    if (!counted.count) return; // settled meanwhile: nothing to send
    const body = webhookBody(event);
    let status: number;
    try {
      status = await post(url, body, {
        [SIGNATURE_HEADER]: signatureHeader(signingSecret, body),
        'sitewarden-event-id': event.id,
        'sitewarden-delivery-id': deliveryId,
      });
    } catch (err) {
      await record(deliveryId, { last_error: bounded(err) }, 'pending');
      throw err;
    }
    try {
      judge(status);
    } catch (err) {
      await record(deliveryId, { last_error: bounded(err), response_code: status }, 'pending');
      throw err;
    }
    await record(deliveryId, { status: 'delivered', delivered_at: new Date(), last_error: null, response_code: status }, 'pending');
  }

  /**
   * Slack and email: at most once. The claim (pending → sending) commits before a byte leaves; a
   * failure that certainly sent nothing releases it for the next attempt; any other failure, or a
   * claim found left by an attempt that died, ends the delivery `failed` ("outcome unknown").
   */
  async function deliverAtMostOnce(deliveryId: string, transmit: () => Promise<number | null>): Promise<void> {
    const claimed = await prisma.notificationDelivery.updateMany({ where: { id: deliveryId, status: 'pending' }, data: { status: 'sending', attempts: { increment: 1 } } });
    if (claimed.count === 0) {
      const current = await prisma.notificationDelivery.findUniqueOrThrow({ where: { id: deliveryId } });
      if (current.status === 'sending') await outcomeUnknown(deliveryId, 'an earlier attempt stopped while sending');
      return;
    }
    let status: number | null;
    try {
      status = await transmit();
    } catch (err) {
      if (!nothingWasSent(err)) await outcomeUnknown(deliveryId, bounded(err));
      await record(deliveryId, { status: 'pending', last_error: bounded(err) }, 'sending');
      throw err;
    }
    if (status !== null) {
      try {
        judge(status);
      } catch (err) {
        // The receiver answered with a refusal: it posted nothing, so the next attempt may send.
        await record(deliveryId, { status: 'pending', last_error: bounded(err), response_code: status }, 'sending');
        throw err;
      }
    }
    await record(deliveryId, { status: 'delivered', delivered_at: new Date(), last_error: null, response_code: status }, 'sending');
  }

  async function outcomeUnknown(deliveryId: string, why: string): Promise<never> {
    const reason = `outcome unknown, not sent again: ${why}`.slice(0, MAX_ERROR);
    await record(deliveryId, { status: 'failed', last_error: reason }, 'sending');
    throw ApplicationFailure.nonRetryable(reason, 'OutcomeUnknown');
  }

  async function sendMail(to: string[], event: NotificationBody): Promise<null> {
    if (!mailer) throw ApplicationFailure.nonRetryable('email is not configured (SMTP_URL)', 'NotConfigured');
    try {
      await mailer.sendMail({ from: config.SMTP_FROM, to, ...emailNotification(event) });
    } catch (err) {
      const { permanent, message } = err as { permanent?: boolean; message?: string };
      if (permanent) throw ApplicationFailure.nonRetryable(`the mail server refused the message: ${message}`, 'MailRejected');
      throw err;
    }
    return null;
  }

  return {
    async routeNotificationEvent(eventId: string, only: string[] | null): Promise<NotificationPlan> {
      const plan = (deliveryIds: string[]): NotificationPlan => ({
        deliveryIds,
        retry: { initialIntervalMs: config.NOTIFY_RETRY_INITIAL_MS, maximumAttempts: config.NOTIFY_MAX_ATTEMPTS },
        // The worker's guarded fetcher has the scanners' timeout; SMTP has ours.
        sendTimeoutMs: Math.max(config.NOTIFY_SEND_TIMEOUT_MS, config.SCAN_FETCH_TIMEOUT_MS),
      });
      if (only) {
        // A retry asked for (services/notification-deliveries.ts): failed → pending, here, once.
        await prisma.notificationDelivery.updateMany({ where: { id: { in: only }, event_id: eventId, status: 'failed' }, data: { status: 'pending' } });
        return plan(only);
      }
      const event = await prisma.notificationEvent.findUnique({ where: { id: eventId } });
      if (!event) return plan([]);
      const tenant = { org_id: event.org_id, project_id: event.project_id };
      const [policy, channels] = await Promise.all([
        prisma.policy.findUnique({ where: { org_id_project_id: tenant }, select: { config: true } }),
        prisma.notificationChannelSetting.findMany({ where: tenant, select: { id: true, name: true, type: true, target: true } }),
      ]);
      // The relay routed it the same way before starting this workflow (eventsWithReceivers); routed
      // again here, now, so a channel added or removed meanwhile counts as it stands.
      const route = routeEvent({ type: event.type, severity: event.severity }, routingConfigOf(policy), channels);
      const reached = channels.filter((c) => route.channels.some((r) => r.id === c.id));
      if (reached.length) {
        await prisma.notificationDelivery.createMany({
          data: reached.map((c) => ({
            ...tenant,
            channel: c.type,
            channel_id: c.id,
            event_id: event.id,
            event_type: event.type,
            idempotency_key: deliveryKey(event.id, c.id),
            target: c.target,
            payload: { channel_name: c.name },
          })),
          skipDuplicates: true,
        });
      }
      const rows = await prisma.notificationDelivery.findMany({
        where: { idempotency_key: { in: reached.map((c) => deliveryKey(event.id, c.id)) } },
        orderBy: { created_at: 'asc' },
        select: { id: true },
      });
      return plan(rows.map((r) => r.id));
    },

    /** The delivery's final status; one settled before (a retried workflow task, a re-run) is left as it is. */
    async deliverNotification(deliveryId: string): Promise<'delivered' | 'failed'> {
      const delivery = await prisma.notificationDelivery.findUniqueOrThrow({ where: { id: deliveryId } });
      if (delivery.status === 'delivered' || delivery.status === 'failed') return delivery.status;
      if (!delivery.event_id || !delivery.channel_id) throw ApplicationFailure.nonRetryable('not an event delivery', 'ChannelGone');
      const channel = await prisma.notificationChannelSetting.findUnique({ where: { id: delivery.channel_id } });
      if (!channel) throw ApplicationFailure.nonRetryable('the channel was deleted', 'ChannelGone');
      const event = await loadEvent(delivery.event_id);
      const { config: target, signingSecret } = openChannel(channel, secret);
      await heartbeating(async () => {
        if (target.type === 'webhook') return deliverWebhook(deliveryId, event, target.url, signingSecret ?? '');
        if (target.type === 'slack') return deliverAtMostOnce(deliveryId, () => post(target.webhook_url, JSON.stringify(slackNotification(event)), {}));
        return deliverAtMostOnce(deliveryId, () => sendMail(target.to, event));
      });
      return 'delivered';
    },

    /** After the last attempt: a delivery not delivered is failed; a claim still held may have left (outcome unknown). */
    async failNotificationDelivery(deliveryId: string, reason: string): Promise<void> {
      await record(deliveryId, { status: 'failed', last_error: `outcome unknown, not sent again: ${reason}`.slice(0, MAX_ERROR) }, 'sending');
      await record(deliveryId, { status: 'failed', last_error: reason.slice(0, MAX_ERROR) }, 'pending');
    },
  };
}
