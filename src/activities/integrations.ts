import { ApplicationFailure } from '@temporalio/activity';
import { heartbeating } from './heartbeat.ts';
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
/** Tasks per activity: one scheduling round trip per task cost ~0.1 s on 2 busy cores (bench/integration-sync.ts). */
export const TASKS_PER_BATCH = 25;

/** `adopted`: a ticket made by an earlier attempt whose answer was lost, found by its marker and recorded instead of made again. */
export type TicketOutcome = 'created' | 'adopted' | 'updated' | 'unchanged' | 'closed' | 'reopened' | 'skipped';

export const NO_TICKETS = (): Record<TicketOutcome, number> => ({ created: 0, adopted: 0, updated: 0, unchanged: 0, closed: 0, reopened: 0, skipped: 0 });

export interface IntegrationSyncPlan {
  provider: string;
  /** The tasks in batches of TASKS_PER_BATCH, one activity each. */
  batches: string[][];
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
    // The SDK's connections pass the same guard again at connect time (DNS rebinding).
    return createTrackerClient(connection.provider, connection.credentials as never, base.url, { allowlist: config.allowlist, resolve });
  }

  const asFailure = (err: unknown): unknown =>
    err instanceof TrackerError ? (err.permanent ? ApplicationFailure.nonRetryable(err.message, 'TrackerRefused') : ApplicationFailure.retryable(err.message, 'TrackerUnavailable')) : err;

  /**
   * One task's ticket, made to match the task: created once (its key recorded), updated when the
   * content changed, closed when the task is done, reopened when a done task is open again.
   * Before a create, the tracker is asked for a ticket carrying the task's marker: a create whose
   * answer was lost (a timeout, a worker killed before the row was committed) is adopted on the
   * retry instead of made twice (docs/integrations.md says exactly what that guarantees).
   */
  async function syncOne(integrationId: string, taskId: string, client: () => Promise<TrackerClient>): Promise<TicketOutcome> {
    const task = await prisma.task.findUnique({ where: { id: taskId }, include: { finding: true, tickets: { where: { integration_id: integrationId } } } });
    if (!task) return 'skipped';
    const ticket = task.tickets[0];
    const ref = ticket ? { key: ticket.external_key, externalId: ticket.external_id, url: ticket.external_url } : undefined;
    const gone = (err: unknown) => err instanceof TrackerError && err.kind === 'not_found';
    try {
      if (task.status === 'done') {
        if (!ticket || ticket.state === 'closed') return 'skipped';
        // A ticket someone deleted in the tracker is as closed as it gets.
        await (await client()).close(ref!).catch((err: unknown) => {
          if (!gone(err)) throw err;
        });
        await prisma.integrationTicket.update({ where: { id: ticket.id }, data: { state: 'closed' } });
        return 'closed';
      }
      const content = ticketContent({ task, finding: task.finding });
      const digest = contentDigest(content);
      if (ticket) {
        if (ticket.state === 'open' && ticket.content_sha256 === digest) return 'unchanged';
        try {
          // Reopened (a verification sent it back, or a person moved it out of done): the
          // ticket closed with it opens again, the way closing went.
          if (ticket.state === 'closed') await (await client()).reopen(ref!);
          if (ticket.content_sha256 !== digest) await (await client()).update(ref!, content);
          await prisma.integrationTicket.update({ where: { id: ticket.id }, data: { content_sha256: digest, state: 'open' } });
          return ticket.state === 'closed' ? 'reopened' : 'updated';
        } catch (err) {
          // Deleted in the tracker while the task is still open: the task gets a new ticket.
          if (!gone(err)) throw err;
          await prisma.integrationTicket.delete({ where: { id: ticket.id } });
        }
      }
      const tracker = await client();
      const found = await tracker.find(taskId);
      if (found) {
        // Made by an attempt whose answer never came back: bring it to the task's state.
        if (found.state === 'closed') await tracker.reopen(found);
        await tracker.update(found, content);
      }
      const made = found ?? (await tracker.create(content, taskId));
      await prisma.$transaction([
        prisma.integrationTicket.create({
          data: { integration_id: integrationId, task_id: taskId, external_key: made.key, external_id: made.externalId, external_url: made.url, content_sha256: digest },
        }),
        // Krafter's task field: the first tracker's key, unless someone set one by hand.
        prisma.task.updateMany({ where: { id: taskId, external_ticket_key: null }, data: { external_ticket_key: made.key } }),
      ]);
      return found ? 'adopted' : 'created';
    } catch (err) {
      throw asFailure(err);
    }
  }

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
      const ids = tasks.map((task) => task.id);
      const batches = Array.from({ length: Math.ceil(ids.length / TASKS_PER_BATCH) }, (_, i) => ids.slice(i * TASKS_PER_BATCH, (i + 1) * TASKS_PER_BATCH));
      return { provider: integration.provider, batches };
    },

    /**
     * A batch of the plan, task after task (heartbeating): the client is made once, and only if a
     * task needs the tracker (an unchanged one does not). A retried batch redoes nothing done:
     * each task's ticket row is checked first.
     */
    async syncTaskTickets(integrationId: string, taskIds: string[]): Promise<Record<TicketOutcome, number>> {
      const counts = NO_TICKETS();
      let tracker: Promise<TrackerClient> | undefined;
      const client = () => (tracker ??= trackerFor(integrationId));
      try {
        await heartbeating(async (signal) => {
          for (const taskId of taskIds) {
            signal.throwIfAborted();
            counts[await syncOne(integrationId, taskId, client)] += 1;
          }
        });
      } finally {
        // Its connection pool: the next batch (or retry) makes its own.
        await tracker?.then((t) => t.dispose()).catch(() => undefined);
      }
      return counts;
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
