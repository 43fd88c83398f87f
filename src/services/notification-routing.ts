import { routeEvent, type RoutableChannel, type RoutableEvent } from '../domain/notifications.ts';
import { DEFAULT_POLICY_CONFIG } from '../domain/policy.ts';
import type { Db } from '../platform/db.ts';

/** The routing config of a project: its stored policy's, or the default one GET policies/current would show (and create). */
export const routingConfigOf = (policy: { config: unknown } | null) => (policy ? policy.config : DEFAULT_POLICY_CONFIG);

export interface OutboxRow extends RoutableEvent {
  id: string;
  org_id: string;
  project_id: string;
}

const tenantKey = (row: { org_id: string; project_id: string }) => `${row.org_id}\u0000${row.project_id}`;

/**
 * The events of the batch that some channel of their project receives now (the relay asks it
 * before it starts a NotificationWorkflow: one for an event nobody receives would route nothing,
 * for the CPU of a workflow start, its tasks and its history). A project with no channel receives
 * nothing whatever its policy says, so its policy is not read: the common case (no channels) is
 * one query per batch.
 */
export async function eventsWithReceivers(prisma: Db, events: readonly OutboxRow[]): Promise<Set<string>> {
  const receiving = new Set<string>();
  if (!events.length) return receiving;
  const tenants = [...new Map(events.map((e) => [tenantKey(e), { org_id: e.org_id, project_id: e.project_id }])).values()];
  const channelRows = await prisma.notificationChannelSetting.findMany({ where: { OR: tenants }, select: { id: true, name: true, type: true, org_id: true, project_id: true } });
  if (!channelRows.length) return receiving;
  const channels = new Map<string, RoutableChannel[]>();
  for (const c of channelRows) {
    const key = tenantKey(c);
    if (!channels.has(key)) channels.set(key, []);
    channels.get(key)!.push({ id: c.id, name: c.name, type: c.type });
  }
  const withChannels = tenants.filter((t) => channels.has(tenantKey(t)));
  const policies = await prisma.policy.findMany({ where: { OR: withChannels }, select: { org_id: true, project_id: true, config: true } });
  const policyOf = new Map(policies.map((p) => [tenantKey(p), p]));
  for (const event of events) {
    const own = channels.get(tenantKey(event));
    if (!own) continue;
    const route = routeEvent({ type: event.type, severity: event.severity }, routingConfigOf(policyOf.get(tenantKey(event)) ?? null), own);
    if (route.channels.length) receiving.add(event.id);
  }
  return receiving;
}
