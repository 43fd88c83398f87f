import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Db } from '../platform/db.ts';
import type { Logger } from '../platform/logger.ts';
import type { PgListener } from '../platform/pg-listener.ts';
import { OUTBOX_CHANNEL } from '../services/notification-outbox.ts';
import { eventsWithReceivers } from '../services/notification-routing.ts';
import { recordSlaBreaches } from '../services/task-sla.ts';

export const notificationWorkflowId = (eventId: string) => `notification-${eventId}`;

const BATCH = 100;
/** Workflow starts in flight at once: enough to keep up, few enough not to swamp the frontend. */
const PARALLEL_STARTS = 16;

export interface DispatcherDeps {
  prisma: Db;
  client: Client;
  taskQueue: string;
  listener?: PgListener;
  pollMs: number;
  slaSweepMs: number;
  logger?: Logger;
}

export interface Dispatcher {
  /**
   * Dispatches what the outbox holds now; the number of events it marked dispatched: those whose
   * workflow it started (or found started) and those no channel receives (no workflow).
   */
  dispatchOnce(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * The outbox relay: every undispatched event that some channel of its project receives gets a
 * NotificationWorkflow whose id is the event's, with REJECT_DUPLICATE, so any number of
 * dispatchers (one per main worker), a crash between the start and the `dispatched_at` mark, or a
 * retried loop start each event's workflow once. An event no channel receives (the policy's
 * alert_routing names none of the project's channels for it, or the project has none) is marked
 * dispatched with no workflow: it stays in the outbox, with no deliveries, as it would after a
 * workflow that routed it nowhere, without the CPU of that workflow (docs/notifications.md). It
 * wakes on the NOTIFY its writers send at commit and polls besides (a NOTIFY is lost while
 * disconnected).
 */
export function startNotificationDispatcher(deps: DispatcherDeps): Dispatcher {
  const { prisma, client, taskQueue, logger } = deps;
  let stopped = false;
  let wake: (() => void) | undefined;
  let pending = false;
  const kick = () => {
    pending = true;
    wake?.();
  };

  async function start(eventId: string): Promise<void> {
    try {
      await client.workflow.start('NotificationWorkflow', {
        taskQueue,
        workflowId: notificationWorkflowId(eventId),
        args: [{ eventId }],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }

  async function dispatchOnce(): Promise<number> {
    let total = 0;
    for (;;) {
      const events = await prisma.notificationEvent.findMany({
        where: { dispatched_at: null },
        orderBy: { created_at: 'asc' },
        take: BATCH,
        select: { id: true, org_id: true, project_id: true, type: true, severity: true },
      });
      if (!events.length) return total;
      // Routed now, as the workflow would route it first thing: nobody to receive it, no workflow.
      const receiving = await eventsWithReceivers(prisma, events);
      const done = events.filter((e) => !receiving.has(e.id)).map((e) => e.id);
      const routed = events.filter((e) => receiving.has(e.id));
      for (let i = 0; i < routed.length; i += PARALLEL_STARTS) {
        const chunk = routed.slice(i, i + PARALLEL_STARTS);
        const results = await Promise.allSettled(chunk.map((e) => start(e.id)));
        results.forEach((r, j) => {
          if (r.status === 'fulfilled') done.push(chunk[j]!.id);
          else logger?.warn({ err: { name: (r.reason as Error).name, message: (r.reason as Error).message }, eventId: chunk[j]!.id }, 'could not start a notification workflow');
        });
      }
      if (done.length) await prisma.notificationEvent.updateMany({ where: { id: { in: done } }, data: { dispatched_at: new Date() } });
      total += done.length;
      // Some failed to start (Temporal unreachable): leave them for the next poll rather than spin.
      if (done.length < events.length || events.length < BATCH) return total;
    }
  }

  let unlisten: (() => void) | undefined;
  const listening = deps.listener?.listen(OUTBOX_CHANNEL, kick).then(
    (off) => (unlisten = off),
    (err: Error) => logger?.warn({ err: { name: err.name, message: err.message } }, 'notification dispatcher: no LISTEN, polling only'),
  );

  const loop = (async () => {
    await listening;
    while (!stopped) {
      pending = false;
      try {
        await dispatchOnce();
      } catch (err) {
        logger?.warn({ err: { name: (err as Error).name, message: (err as Error).message } }, 'notification dispatch failed; retrying at the next poll');
      }
      if (stopped) break;
      if (pending) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deps.pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  })();

  const slaTimer = setInterval(() => {
    recordSlaBreaches(prisma).then(
      (n) => n && logger?.info({ breached: n }, 'task SLA breaches recorded'),
      (err: Error) => logger?.warn({ err: { name: err.name, message: err.message } }, 'task SLA sweep failed'),
    );
  }, deps.slaSweepMs);
  slaTimer.unref();

  return {
    dispatchOnce,
    async stop() {
      stopped = true;
      clearInterval(slaTimer);
      unlisten?.();
      wake?.();
      await loop;
    },
  };
}
