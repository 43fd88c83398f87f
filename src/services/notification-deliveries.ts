import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Prisma } from '../generated/prisma/client.ts';
import type { Db } from '../platform/db.ts';

type Tenant = { orgId: string; projectId: string };

export interface DeliveryFilters {
  status?: 'pending' | 'sending' | 'delivered' | 'failed';
  channel_id?: string;
  event_id?: string;
  event_type?: string;
}

export function deliveryScope(tenant: Tenant, filters: DeliveryFilters): Prisma.NotificationDeliveryWhereInput {
  return {
    org_id: tenant.orgId,
    project_id: tenant.projectId,
    ...(filters.status ? { status: filters.status } : {}),
    ...(filters.channel_id ? { channel_id: filters.channel_id } : {}),
    ...(filters.event_id ? { event_id: filters.event_id } : {}),
    ...(filters.event_type ? { event_type: filters.event_type } : {}),
  };
}

export type RetryOutcome = { ok: true; workflowId: string } | { ok: false; reason: 'not_found' | 'not_failed' | 'not_an_event' };

/**
 * Sends a failed delivery again with a NotificationWorkflow for it alone, which puts it back to
 * `pending` itself (routeNotificationEvent): the API changes no row, so a crash between its check
 * and the start loses nothing (the delivery stays failed, to be retried). The workflow id names
 * the delivery and its last change, so a repeated request starts one run. A Slack or email
 * delivery failed as "outcome unknown" may have arrived: retrying it is the operator's call, and
 * may send a second copy (docs/notifications.md).
 */
export async function retryDelivery(prisma: Db, client: Client, taskQueue: string, tenant: Tenant, id: string): Promise<RetryOutcome> {
  const row = await prisma.notificationDelivery.findFirst({ where: { id, org_id: tenant.orgId, project_id: tenant.projectId } });
  if (!row) return { ok: false, reason: 'not_found' };
  if (!row.event_id) return { ok: false, reason: 'not_an_event' };
  if (row.status !== 'failed') return { ok: false, reason: 'not_failed' };
  const workflowId = `notification-retry-${row.id}-${row.updated_at.getTime()}`;
  try {
    await client.workflow.start('NotificationWorkflow', {
      taskQueue,
      workflowId,
      args: [{ eventId: row.event_id, deliveryIds: [row.id] }],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  return { ok: true, workflowId };
}
