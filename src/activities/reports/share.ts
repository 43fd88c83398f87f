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

/** Connection errors that happen before a byte of the request leaves: nothing was sent. */
const NOTHING_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'ECONNECTION', 'EDNS']);
/** SMTP commands before the message body: a failure there leaves nothing delivered. */
const SMTP_BEFORE_BODY = /^(CONN|EHLO|HELO|STARTTLS|AUTH|MAIL FROM|RCPT TO)/i;

/**
 * A failure after which the message certainly did not reach its receiver, so sending again
 * cannot make a duplicate: the receiver answered with a refusal (an HTTP status, an SMTP reply
 * code), the connection never opened, or the SMTP session failed before the message body.
 */
export function nothingWasSent(err: unknown): boolean {
  if (err instanceof ApplicationFailure) return true; // ours: raised on an answer (a status, a reply) or before sending
  if (err instanceof SafeFetchError) {
    if (err.permanent) return true; // the guard refused the target: no connection was made
    const code = (Object(err.cause) as { code?: unknown; cause?: { code?: unknown } }).code ?? (Object(err.cause) as { cause?: { code?: unknown } }).cause?.code;
    return (typeof code === 'string' && NOTHING_SENT_CODES.has(code)) || err.message.startsWith('no addresses found');
  }
  if (err instanceof NonSuccessStatus) return true;
  const { responseCode, command, code } = Object(err) as { responseCode?: unknown; command?: unknown; code?: unknown };
  if (typeof responseCode === 'number') return true; // the mail server refused with a reply
  if (typeof command === 'string' && SMTP_BEFORE_BODY.test(command)) return true;
  return typeof code === 'string' && NOTHING_SENT_CODES.has(code);
}

/** The webhook answered, and not with success: Slack posted nothing. */
class NonSuccessStatus extends Error {}

export const OUTCOME_UNKNOWN = 'DeliveryOutcomeUnknown';

/**
 * Sends a report share by email (SMTP, nodemailer) or to a Slack incoming webhook (through the
 * SSRF-safe fetcher: the webhook's host is checked again, and its DNS answers, at send time).
 *
 * At most once (docs/reports.md): an attempt first moves the row `pending` → `sending` (one
 * conditional UPDATE, committed before anything is sent), then sends, then records `delivered`.
 * A failure that certainly sent nothing puts it back to `pending` for the next retry. An attempt
 * that finds the row still `sending` (the one before it died mid-send, or timed out) cannot know
 * whether the message left: it marks the delivery `failed` ("outcome unknown") and sends nothing,
 * and so does an attempt whose own send failed in a way that may have delivered (a timeout after
 * the request went out). Errors a retry cannot fix (refused address, 4xx from Slack, 5xx SMTP
 * replies) are non-retryable.
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
    throw new NonSuccessStatus(reason);
  }

  const where = (id: string, status: 'pending' | 'sending') => ({ id, status });
  const reasonOf = (err: unknown) => String((err as Error)?.message ?? err).slice(0, 1_000);

  /** Marks a claimed delivery failed because it may have been sent, and stops the retries. */
  async function outcomeUnknown(deliveryId: string, why: string): Promise<never> {
    const reason = `outcome unknown, not sent again: ${why}`.slice(0, 1_000);
    await prisma.notificationDelivery.updateMany({ where: where(deliveryId, 'sending'), data: { status: 'failed', last_error: reason } });
    throw ApplicationFailure.nonRetryable(reason, OUTCOME_UNKNOWN);
  }

  return {
    async deliverReportShare(deliveryId: string): Promise<void> {
      // The claim is committed before any byte leaves: a crash from here on leaves `sending`.
      const claimed = await prisma.notificationDelivery.updateMany({
        where: where(deliveryId, 'pending'),
        data: { status: 'sending', attempts: { increment: 1 } },
      });
      if (claimed.count === 0) {
        const current = await prisma.notificationDelivery.findUniqueOrThrow({ where: { id: deliveryId } });
        if (current.status === 'sending') await outcomeUnknown(deliveryId, 'an earlier attempt stopped while sending');
        return; // delivered or failed already: nothing to do
      }
      const delivery = await prisma.notificationDelivery.findUniqueOrThrow({ where: { id: deliveryId } });
      const payload = delivery.payload as unknown as ShareDeliveryPayload;
      try {
        if (delivery.channel === 'email') await sendEmail(payload);
        else await postToSlack(deliveryId, payload);
      } catch (err) {
        if (!nothingWasSent(err)) await outcomeUnknown(deliveryId, reasonOf(err));
        // Certainly not sent: free for the next attempt (or for failReportShare when none is left).
        await prisma.notificationDelivery.updateMany({ where: where(deliveryId, 'sending'), data: { status: 'pending', last_error: reasonOf(err) } });
        throw err;
      }
      await prisma.notificationDelivery.updateMany({
        where: where(deliveryId, 'sending'),
        data: { status: 'delivered', delivered_at: new Date(), last_error: null },
      });
    },

    /** The workflow's last word: a delivery still claimed (its last attempt timed out mid-send) may have left. */
    async failReportShare(deliveryId: string, reason: string): Promise<void> {
      await prisma.notificationDelivery.updateMany({
        where: where(deliveryId, 'sending'),
        data: { status: 'failed', last_error: `outcome unknown, not sent again: ${reason}`.slice(0, 1_000) },
      });
      await prisma.notificationDelivery.updateMany({
        where: where(deliveryId, 'pending'),
        data: { status: 'failed', last_error: reason.slice(0, 1_000) },
      });
    },
  };
}
