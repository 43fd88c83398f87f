import { escapeHtml } from './html.ts';

/** What a share by email or Slack says: the project's figures and the link to the report page. */
export interface ShareNotice {
  projectId: string;
  format: string;
  exportedAt: string | null;
  healthScore: number | null;
  openFindings: number;
  findingsInReport: number;
  shareUrl: string;
  shareExpiresAt: string;
}

const lines = (n: ShareNotice) => [
  `Health score: ${n.healthScore ?? 'not scored'}${n.healthScore === null ? '' : '/100'}`,
  `Open findings: ${n.openFindings}`,
  `Findings in the report: ${n.findingsInReport}`,
];

export function shareEmail(n: ShareNotice): { subject: string; text: string; html: string } {
  const subject = `Sitewarden audit report: ${n.projectId}`;
  const intro = `The audit report of ${n.projectId} (${n.format}, exported ${n.exportedAt ?? 'recently'}) was shared with you.`;
  const until = `The link works until ${n.shareExpiresAt}.`;
  return {
    subject,
    text: [intro, '', ...lines(n), '', `View the report: ${n.shareUrl}`, until, ''].join('\n'),
    html: `<p>${escapeHtml(intro)}</p><ul>${lines(n).map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul><p><a href="${escapeHtml(n.shareUrl)}">View the report</a></p><p>${escapeHtml(until)}</p>`,
  };
}

/** Slack's `mrkdwn`: &, < and > are escaped; a link is <url|text>. */
const slackEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function slackMessage(n: ShareNotice): { text: string; blocks: unknown[] } {
  const title = `Sitewarden audit report: ${slackEscape(n.projectId)}`;
  return {
    text: `${title}: ${n.shareUrl}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: `Sitewarden audit report: ${n.projectId}`.slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: lines(n).map(slackEscape).join('\n') } },
      { type: 'section', text: { type: 'mrkdwn', text: `<${n.shareUrl}|View the report> (until ${slackEscape(n.shareExpiresAt)})` } },
    ],
  };
}

/** What `POST reports/share` stores in a NotificationDelivery for its workflow to send. */
export type ShareDeliveryPayload = {
  report_id: string;
  notice: ShareNotice;
  /** email */
  recipients?: string[];
  /** slack: the webhook URL is a credential, so it is stored encrypted (secrets.ts). */
  webhook_url_encrypted?: string;
};

export const webhookPurpose = (deliveryId: string) => `notification_delivery:${deliveryId}:webhook_url`;
