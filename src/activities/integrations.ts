import { ApplicationFailure } from '@temporalio/activity';
import type { Config } from '../platform/config.ts';
import type { Db } from '../platform/db.ts';
import { OPEN_TASK_STATUSES } from '../domain/lifecycle.ts';
import { ConnectionUnusable, openConnection } from '../integrations/connection.ts';
import { checkTrackerBaseUrl } from '../integrations/guard.ts';
import { contentDigest, ticketContent } from '../integrations/ticket-content.ts';
import { createTrackerClient, TrackerError, type TrackerClient } from '../integrations/trackers.ts';
import type { Resolver } from '../gather/safe-fetch.ts';

/** How many tasks one sync pushes at most (oldest first); the next sync takes the rest. */
export const MAX_TASKS_PER_SYNC = 500;

export type TicketOutcome = 'created' | 'updated' | 'unchanged' | 'closed' | 'skipped';

export interface IntegrationSyncPlan {
  provider: string;
  taskIds: string[];
}

export interface IntegrationActivityDeps {
  prisma: Db;
  config: Pick<Config, 'allowlist'>;
  secret: string;
  resolve?: Resolver;
}

export const INTEGRATION_PERMANENT = ['IntegrationUnusable', 'TrackerRefused'];

/**
 * The sync's steps. Each task is its own activity: one that fails transiently is retried alone,
 * and history holds ids and outcomes only, never credentials or ticket text.
 */
export function createIntegrationActivities({ prisma, config, secret, resolve }: IntegrationActivityDeps) {
  async function trackerFor(integrationId: string): Promise<TrackerClient> {
    const integration = await prisma.integration.findUnique({ where: { id: integrationId } });
    if (!integration) throw ApplicationFailure.nonRetryable('the integration no longer exists', 'IntegrationUnusable');
    let connection;
    try {
      connection = openConnection(integration, secret);
    } catch (err) {
      if (err instanceof ConnectionUnusable) throw ApplicationFailure.nonRetryable(err.message, 'IntegrationUnusable');
      throw err;
    }
    // Again at every sync: the name may resolve elsewhere now, or the allowlist may have changed.
    const base = await checkTrackerBaseUrl(connection.baseUrl, config.allowlist, resolve);
    if (!base.ok) throw ApplicationFailure.nonRetryable(`base_url refused: ${base.reason}`, 'IntegrationUnusable');
    return createTrackerClient(connection.provider, connection.credentials as never, base.url);
  }

  const asFailure = (err: unknown): unknown =>
    err instanceof TrackerError ? (err.permanent ? ApplicationFailure.nonRetryable(err.message, 'TrackerRefused') : ApplicationFailure.retryable(err.message, 'TrackerUnavailable')) : err;

  return {
    /** Which tasks this sync visits: the open ones, and the done ones whose ticket is still open. */
    async planIntegrationSync(integrationId: string): Promise<IntegrationSyncPlan> {
      const integration = await prisma.integration.findUnique({ where: { id: integrationId } });
      if (!integration) throw ApplicationFailure.nonRetryable('the integration no longer exists', 'IntegrationUnusable');
      const tasks = await prisma.task.findMany({
        where: {
          org_id: integration.org_id,
          project_id: integration.project_id,
          OR: [{ status: { in: [...OPEN_TASK_STATUSES] } }, { status: 'done', tickets: { some: { integration_id: integrationId, state: 'open' } } }],
        },
        orderBy: [{ created_at: 'asc' }, { id: 'asc' }],
        take: MAX_TASKS_PER_SYNC,
        select: { id: true },
      });
      return { provider: integration.provider, taskIds: tasks.map((task) => task.id) };
    },

    /**
     * One task's ticket, made to match the task: created once (its key recorded), updated when the
     * content changed, closed when the task is done. The ticket row is written right after the
     * tracker answered; a crash in between (or a lost answer) can leave one extra ticket, see
     * docs/integrations.md.
     */
    async syncTaskTicket(integrationId: string, taskId: string): Promise<TicketOutcome> {
      const task = await prisma.task.findUnique({ where: { id: taskId }, include: { finding: true, tickets: { where: { integration_id: integrationId } } } });
      if (!task) return 'skipped';
      const ticket = task.tickets[0];
      const done = task.status === 'done';
      if (done && (!ticket || ticket.state === 'closed')) return 'skipped';
      try {
        const tracker = await trackerFor(integrationId);
        const gone = (err: unknown) => err instanceof TrackerError && err.kind === 'not_found';
        if (done) {
          const ref = { key: ticket!.external_key, externalId: ticket!.external_id, url: ticket!.external_url };
          // A ticket someone deleted in the tracker is as closed as it gets.
          await tracker.close(ref).catch((err: unknown) => {
            if (!gone(err)) throw err;
          });
          await prisma.integrationTicket.update({ where: { id: ticket!.id }, data: { state: 'closed' } });
          return 'closed';
        }
        const content = ticketContent({ task, finding: task.finding });
        const digest = contentDigest(content);
        if (ticket) {
          if (ticket.content_sha256 === digest) return 'unchanged';
          try {
            await tracker.update({ key: ticket.external_key, externalId: ticket.external_id, url: ticket.external_url }, content);
            await prisma.integrationTicket.update({ where: { id: ticket.id }, data: { content_sha256: digest } });
            return 'updated';
          } catch (err) {
            // Deleted in the tracker while the task is still open: the task gets a new ticket.
            if (!gone(err)) throw err;
            await prisma.integrationTicket.delete({ where: { id: ticket.id } });
          }
        }
        const created = await tracker.create(content);
        await prisma.$transaction([
          prisma.integrationTicket.create({
            data: { integration_id: integrationId, task_id: taskId, external_key: created.key, external_id: created.externalId, external_url: created.url, content_sha256: digest },
          }),
          // Krafter's task field: the first tracker's key, unless someone set one by hand.
          prisma.task.updateMany({ where: { id: taskId, external_ticket_key: null }, data: { external_ticket_key: created.key } }),
        ]);
        return 'created';
      } catch (err) {
        throw asFailure(err);
      }
    },

    async finishIntegrationSync(integrationId: string): Promise<void> {
      await prisma.integration.updateMany({ where: { id: integrationId, status: 'syncing' }, data: { status: 'connected', last_sync_at: new Date(), last_error: null } });
    },

    /** The failure path: the row leaves `syncing` for `error`, with the reason people will read. */
    async failIntegrationSync(integrationId: string, reason: string): Promise<void> {
      await prisma.integration.updateMany({ where: { id: integrationId, status: 'syncing' }, data: { status: 'error', last_error: reason.slice(0, 1_000) } });
    },
  };
}
