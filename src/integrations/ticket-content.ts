import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { TicketContent } from './trackers.ts';

/** Trackers' own limits are larger (GitHub: 256 / 65 536); these keep every provider's. */
export const MAX_TITLE = 250;
export const MAX_BODY = 30_000;
const MAX_STEPS = 20;
const MAX_URLS = 20;

const recommendedFix = z.object({ summary: z.string().optional(), steps: z.array(z.string()).optional() }).nullish().catch(null);
const affectedAssets = z.array(z.object({ value: z.string() }).loose()).catch([]);

export interface TicketSource {
  task: { id: string; title: string; priority: string; sla_due_at: Date | null };
  finding: {
    id: string;
    domain: string;
    check_id: string;
    severity: string;
    description: string;
    recommended_fix: unknown;
    affected_assets: unknown;
  };
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * The ticket a task becomes, the same text in every tracker. Finding text came from scanned
 * pages and the LLM: it is clipped, and put where trackers render it as text (no HTML is built).
 * The task id closes the body, so a person (or a later import) can tell the ticket's origin, and
 * Linear's lookup by marker finds it.
 */
export function ticketContent({ task, finding }: TicketSource): TicketContent {
  const fix = recommendedFix.parse(finding.recommended_fix);
  const urls = affectedAssets.parse(finding.affected_assets).map((asset) => asset.value).slice(0, MAX_URLS);
  const lines = [
    `**Severity:** ${finding.severity} · **Priority:** ${task.priority} · **Domain:** ${finding.domain} · **Check:** \`${finding.check_id}\``,
    ...(task.sla_due_at ? [`**Due:** ${task.sla_due_at.toISOString()}`] : []),
    '',
    clip(finding.description.trim(), 8_000),
  ];
  if (fix?.summary || fix?.steps?.length) {
    lines.push('', '### Recommended fix', '');
    if (fix.summary) lines.push(clip(fix.summary.trim(), 2_000));
    for (const [i, step] of (fix.steps ?? []).slice(0, MAX_STEPS).entries()) lines.push(`${i + 1}. ${clip(step.replace(/\s+/g, ' ').trim(), 500)}`);
  }
  if (urls.length) lines.push('', '### Affected', '', ...urls.map((url) => `- ${clip(url, 500)}`));
  // Never clipped away: on Linear this line is the ticket's idempotency marker (trackers.ts ticketMarker).
  const footer = `\n\n_Pushed by Sitewarden · task ${task.id} · finding ${finding.id}_`;
  return { title: clip(task.title.replace(/\s+/g, ' ').trim(), MAX_TITLE), body: clip(lines.join('\n'), MAX_BODY - footer.length) + footer };
}

/** What decides whether a re-sync writes the ticket again. */
export const contentDigest = (content: TicketContent) => createHash('sha256').update(content.title).update('\0').update(content.body).digest('hex');
