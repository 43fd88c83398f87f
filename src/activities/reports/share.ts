import { ApplicationFailure } from '@temporalio/activity';
import nodemailer from 'nodemailer';
import { SafeFetchError, type SafeFetcher } from '../../gather/safe-fetch.ts';
import type { Config } from '../../platform/config.ts';
import type { Db } from '../../platform/db.ts';
import { decryptSecret } from '../../platform/secrets.ts';
import { shareEmail, slackMessage, webhookPurpose, type ShareDeliveryPayload } from '../../reports/messages.ts';

const SMTP_TIMEOUT_MS = 15_000;

export interface ReportShareDeps {
  prisma: Db;
  config: Config;
  fetcher: SafeFetcher;
  secret: string;
}

/**
 * Sends a report share by email (SMTP, nodemailer) or to a Slack incoming webhook (through the
 * SSRF-safe fetcher: the webhook's host is checked again, and its DNS answers, at send time).
 * A delivery is sent at most once: a retry after success finds it `delivered`. Errors a retry
 * cannot fix (refused address, 4xx from Slack, 5xx SMTP replies) are non-retryable.
 */
export function createReportShareActivities({ prisma, config, fetcher, secret }: ReportShareDeps) {
  const mailer = config.SMTP_URL
    ? nodemailer.createTransport({ url: config.SMTP_URL, connectionTimeout: SMTP_TIMEOUT_MS, greetingTimeout: SMTP_TIMEOUT_MS, socketTimeout: SMTP_TIMEOUT_MS })
    : undefined;

  async function sendEmail(payload: ShareDeliveryPayload): Promise<void> {
    if (!mailer) throw ApplicationFailure.nonRetryable('email is not configured (SMTP_URL)', 'NotConfigured');
    const message = shareEmail(payload.notice);
    try {
      await mailer.sendMail({ from: config.SMTP_FROM, to: payload.recipients, ...message });
    } catch (err) {
      const { permanent, message: reason } = err as { permanent?: boolean; message?: string };
      if (permanent) throw ApplicationFailure.nonRetryable(`the mail server refused the message: ${reason}`, 'MailRejected');
      throw err;
    }
  }

  async function postToSlack(deliveryId: string, payload: ShareDeliveryPayload): Promise<void> {
    if (!payload.webhook_url_encrypted) throw ApplicationFailure.nonRetryable('the delivery has no webhook URL', 'WebhookRejected');
    const url = decryptSecret(payload.webhook_url_encrypted, secret, webhookPurpose(deliveryId));
    let status: number;
    try {
      ({ status } = await fetcher.fetchPage(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(slackMessage(payload.notice)),
        followRedirects: false,
      }));
    } catch (err) {
      if (err instanceof SafeFetchError && err.permanent) throw ApplicationFailure.nonRetryable(`webhook refused: ${err.message}`, 'TargetRefused');
      throw err;
    }
    if (status >= 200 && status < 300) return;
    const reason = `the webhook answered HTTP ${status}`;
    // Slack answers 4xx for a revoked or wrong webhook: trying again changes nothing. 429 and 5xx pass.
    if (status < 500 && status !== 408 && status !== 429) throw ApplicationFailure.nonRetryable(reason, 'WebhookRejected');
    throw new Error(reason);
  }

  return {
    async deliverReportShare(deliveryId: string): Promise<void> {
      const delivery = await prisma.notificationDelivery.findUniqueOrThrow({ where: { id: deliveryId } });
      if (delivery.status !== 'pending') return;
      await prisma.notificationDelivery.update({ where: { id: deliveryId }, data: { attempts: { increment: 1 } } });
      const payload = delivery.payload as unknown as ShareDeliveryPayload;
      try {
        if (delivery.channel === 'email') await sendEmail(payload);
        else await postToSlack(deliveryId, payload);
      } catch (err) {
        await prisma.notificationDelivery.update({ where: { id: deliveryId }, data: { last_error: String((err as Error).message).slice(0, 1_000) } });
        throw err;
      }
      await prisma.notificationDelivery.updateMany({
        where: { id: deliveryId, status: 'pending' },
        data: { status: 'delivered', delivered_at: new Date(), last_error: null },
      });
    },

    async failReportShare(deliveryId: string, reason: string): Promise<void> {
      await prisma.notificationDelivery.updateMany({
        where: { id: deliveryId, status: 'pending' },
        data: { status: 'failed', last_error: reason.slice(0, 1_000) },
      });
    },
  };
}
