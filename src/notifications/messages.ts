import { escapeHtml } from '../reports/html.ts';

/** What every channel renders from: the outbox row, as the webhook body carries it. */
export interface NotificationBody {
  id: string;
  type: string;
  created_at: string;
  project_id: string;
  data: Record<string, unknown>;
}

/** The webhook's JSON body: `{id, type, created_at, data}` (project_id inside data). */
export function webhookBody(e: NotificationBody): string {
  return JSON.stringify({ id: e.id, type: e.type, created_at: e.created_at, data: { project_id: e.project_id, ...e.data } });
}

const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

/** One line a person reads first; values come from the event's data (titles a page may have chosen: bounded). */
export function headline(e: NotificationBody): string {
  const d = e.data;
  const line = (() => {
    switch (e.type) {
      case 'scan.completed':
        return `Scan completed for ${str(d.url)}: health score ${d.health_score ?? 'n/a'}, ${str(d.findings)} findings`;
      case 'scan.failed':
        return `Scan failed for ${str(d.url)}: ${str(d.failure_reason)}`;
      case 'crawl.completed':
        return `Crawl completed for ${str(d.url)}: ${str(d.pages_scanned)} pages scanned, ${str(d.pages_failed)} failed, average health score ${d.average_health_score ?? 'n/a'}`;
      case 'crawl.failed':
        return `Crawl failed for ${str(d.url)}: ${str(d.failure_reason)}`;
      case 'finding.critical_detected':
        return `Critical finding: ${str(d.title)} (${str(d.url)})`;
      case 'finding.regressed':
        return `Finding regressed (${str(d.severity)}): ${str(d.title)}`;
      case 'verification.passed':
        return `Verification passed for task ${str(d.task_id)}`;
      case 'verification.failed':
        return `Verification failed for task ${str(d.task_id)}`;
      case 'task.sla_breached':
        return `Task past its SLA (${str(d.sla_due_at)}): ${str(d.title)}`;
      case 'report.exported':
        return `Report exported (${str(d.format)}, ${str(d.finding_count)} findings)`;
      default:
        return e.type;
    }
  })();
  return `[${e.project_id}] ${line}`.slice(0, 500);
}

const slackEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function slackNotification(e: NotificationBody): { text: string; blocks: unknown[] } {
  const text = slackEscape(headline(e));
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: slackEscape(`${e.type} · event ${e.id}`) }] },
    ],
  };
}

export function emailNotification(e: NotificationBody): { subject: string; text: string; html: string; headers: Record<string, string> } {
  const subject = `Sitewarden: ${headline(e)}`.slice(0, 200);
  const facts = Object.entries(e.data).map(([k, v]) => `${k}: ${v === null ? '' : String(v)}`);
  return {
    subject,
    text: [headline(e), '', ...facts, '', `Event ${e.id} (${e.type}) at ${e.created_at}`, ''].join('\n'),
    html: `<p>${escapeHtml(headline(e))}</p><ul>${facts.map((f) => `<li>${escapeHtml(f)}</li>`).join('')}</ul><p>Event ${escapeHtml(e.id)} (${escapeHtml(e.type)})</p>`,
    // Lets a mail system that dedupes on Message-ID drop a second copy (at most once is the rule anyway).
    headers: { 'X-Sitewarden-Event-Id': e.id },
  };
}
