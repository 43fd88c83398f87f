import { z } from 'zod';
import type { NotificationChannel, Severity } from '../generated/prisma/enums.ts';

/** The events written to the outbox (docs/notifications.md). */
export const NOTIFICATION_EVENT_TYPES = [
  'scan.completed',
  'scan.failed',
  'crawl.completed',
  'crawl.failed',
  'finding.critical_detected',
  'finding.regressed',
  'verification.passed',
  'verification.failed',
  'task.sla_breached',
  'report.exported',
] as const;
export type NotificationEventType = (typeof NOTIFICATION_EVENT_TYPES)[number];

/** Events about one finding: a severity key of `alert_routing` applies to them. */
export const FINDING_EVENT_TYPES: readonly NotificationEventType[] = ['finding.critical_detected', 'finding.regressed'];

export const CHANNEL_TYPES = ['slack', 'email', 'webhook'] as const satisfies readonly NotificationChannel[];

/** Each channel type's config, as sent, checked by the API and again when read back from storage. */
export const channelConfigSchemas = {
  slack: z.strictObject({ webhook_url: z.string().min(1).max(2048).meta({ description: 'A Slack incoming-webhook URL' }) }),
  webhook: z.strictObject({ url: z.string().min(1).max(2048).meta({ description: 'A public http(s) URL' }) }),
  email: z.strictObject({ to: z.array(z.email().max(254)).min(1).max(50).meta({ description: 'Recipients' }) }),
} as const;
const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const satisfies readonly Severity[];

export interface RoutableEvent {
  type: string;
  severity: Severity | null;
}

export interface RoutableChannel {
  id: string;
  name: string;
  type: NotificationChannel;
}

export interface RouteTrace {
  /** The `alert_routing` key that matched the event (a severity or an event type). */
  key: string;
  /** One entry of its list: a channel id, a channel name, or a bare type. */
  entry: string;
  /** The channel ids it named (empty: it names no channel of this project). */
  channel_ids: string[];
}

export interface Route {
  channels: RoutableChannel[];
  trace: RouteTrace[];
}

/**
 * `alert_routing` as Krafter shapes it: key → list of targets. Anything else (a non-object, a
 * key whose value is not a list of strings) routes nothing rather than failing the event: the
 * policy is stored as sent (PUT policies/current echoes it), so it is read leniently here.
 */
const routingEntry = z.array(z.string().min(1).max(200)).max(100);

export function alertRoutingOf(config: unknown): Map<string, string[]> {
  const routing = (config as { alert_routing?: unknown } | null)?.alert_routing;
  const out = new Map<string, string[]>();
  if (!routing || typeof routing !== 'object' || Array.isArray(routing)) return out;
  for (const [key, value] of Object.entries(routing).slice(0, 200)) {
    const parsed = routingEntry.safeParse(value);
    if (parsed.success) out.set(key, parsed.data);
  }
  return out;
}

/** True when a key of `alert_routing` applies to the event: its type, or the finding's severity. */
function keyMatches(key: string, event: RoutableEvent): boolean {
  if (key === event.type) return true;
  return (SEVERITIES as readonly string[]).includes(key) && event.severity === key && FINDING_EVENT_TYPES.includes(event.type as NotificationEventType);
}

/**
 * Which of the project's channels an event reaches. An entry is, in this order: a bare type
 * (`"slack"`: every channel of that type), a channel id, or a channel name. A channel named by
 * several keys or entries is reached once.
 */
export function routeEvent(event: RoutableEvent, config: unknown, channels: readonly RoutableChannel[]): Route {
  const trace: RouteTrace[] = [];
  const reached = new Map<string, RoutableChannel>();
  for (const [key, entries] of alertRoutingOf(config)) {
    if (!keyMatches(key, event)) continue;
    for (const entry of entries) {
      const named = (CHANNEL_TYPES as readonly string[]).includes(entry)
        ? channels.filter((c) => c.type === entry)
        : channels.filter((c) => c.id === entry || c.name === entry);
      for (const c of named) reached.set(c.id, c);
      trace.push({ key, entry, channel_ids: named.map((c) => c.id) });
    }
  }
  return { channels: [...reached.values()], trace };
}

/** What policies/test shows: for each event (and severity, for finding events), the channels reached. */
export function routingPreview(config: unknown, channels: readonly RoutableChannel[]) {
  const cases = NOTIFICATION_EVENT_TYPES.flatMap((type): RoutableEvent[] =>
    FINDING_EVENT_TYPES.includes(type) ? SEVERITIES.map((severity) => ({ type, severity })) : [{ type, severity: null }],
  );
  const routes = cases.map((event) => {
    const { channels: reached, trace } = routeEvent(event, config, channels);
    return { event_type: event.type, severity: event.severity, channels: reached.map(({ id, name, type }) => ({ id, name, type })), trace };
  });
  // Entries that name nothing: a typo, or a deleted channel.
  const unmatched = [...alertRoutingOf(config)].flatMap(([key, entries]) =>
    entries
      .filter((entry) => !(CHANNEL_TYPES as readonly string[]).includes(entry) && !channels.some((c) => c.id === entry || c.name === entry))
      .map((entry) => ({ key, entry })),
  );
  const unknownKeys = [...alertRoutingOf(config).keys()].filter(
    (key) => !(SEVERITIES as readonly string[]).includes(key) && !(NOTIFICATION_EVENT_TYPES as readonly string[]).includes(key),
  );
  return { routes: routes.filter((r) => r.channels.length > 0 || r.trace.length > 0), unmatched_entries: unmatched, unknown_keys: unknownKeys };
}

/** The HTTP statuses after which sending again may succeed: 408, 429 and 5xx; any other 4xx is final. */
export function retryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}
