import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Db } from '../platform/db.ts';
import { countFinished, type WorkerMetrics } from '../platform/metrics.ts';
import { refundScanRunCharge } from '../services/ai-quota.ts';
import { recordScanEnd } from '../services/notification-outbox.ts';
import { appendEndEvent } from '../services/scan-events.ts';
import { failPendingVerification } from '../services/verification-decisions.ts';

/** What one sweep closed and deleted. */
export interface SweepOutcome {
  scanRuns: number;
  verifications: number;
  reports: number;
  snapshots: number;
}

type WorkflowState = 'running' | 'closed' | 'missing';

const PAGE = 100;

/**
 * The sweeper's work (docs/deploy.md): closes what a workflow left open. A scan run still
 * queued/running, a verification still pending, a report still queued/exporting, older than
 * `graceSeconds` (a kickoff writes the row before it starts the workflow), whose workflow is closed
 * or missing, is marked failed with the reason; a scan run or a verification gives back its AI unit. Page snapshots
 * of runs that are not running any more are deleted. Every write is guarded by the row's open
 * state, so it never undoes what the workflow itself wrote meanwhile.
 */
export function createSweeperActivities(prisma: Db, metrics?: WorkerMetrics) {
  return {
    async sweepStaleWork(graceSeconds: number): Promise<SweepOutcome> {
      const context = Context.current();
      const client = context.client;
      const before = new Date(Date.now() - graceSeconds * 1000);
      const outcome: SweepOutcome = { scanRuns: 0, verifications: 0, reports: 0, snapshots: 0 };
      const state = (workflowId: string) => workflowState(client, workflowId);

      for await (const run of pages((after) =>
        prisma.scanRun.findMany({
          where: { status: { in: ['queued', 'running'] }, inserted_at: { lt: before }, ...(after ? { id: { gt: after } } : {}) },
          orderBy: { id: 'asc' },
          take: PAGE,
          select: { id: true, workflow_id: true },
        }),
      )) {
        context.heartbeat();
        const found = await state(run.workflow_id);
        if (found === 'running') continue;
        const count = await prisma.$transaction(async (tx) => {
          const closed = await tx.scanRun.updateMany({
            where: { id: run.id, status: { in: ['queued', 'running'] } },
            data: { status: 'failed', failure_reason: closedReason('scan', found), finished_at: new Date() },
          });
          if (closed.count) {
            await appendEndEvent(tx, run.id, 'failed');
            await recordScanEnd(tx, run.id, 'failed', { health_score: null, findings: 0, failure_reason: closedReason('scan', found) });
          }
          return closed.count;
        });
        countFinished(metrics, 'failed', count);
        await refundScanRunCharge(prisma, run.id);
        outcome.scanRuns += count;
      }

      for await (const verification of pages((after) =>
        prisma.verification.findMany({
          where: { result: 'pending', created_at: { lt: before }, ...(after ? { id: { gt: after } } : {}) },
          orderBy: { id: 'asc' },
          take: PAGE,
          select: { id: true, workflow_id: true },
        }),
      )) {
        context.heartbeat();
        const found = await state(verification.workflow_id);
        if (found === 'running') continue;
        // A pending verification blocks every new one of its task (409): it fails, to be run again,
        // the way its own failure path fails it: unsettled checks failed with the reason, its AI unit back.
        if (await failPendingVerification(prisma, verification.id, closedReason('verification', found))) outcome.verifications += 1;
      }

      for await (const report of pages((after) =>
        prisma.report.findMany({
          where: { status: { in: ['queued', 'exporting'] }, created_at: { lt: before }, ...(after ? { id: { gt: after } } : {}) },
          orderBy: { id: 'asc' },
          take: PAGE,
          select: { id: true, workflow_id: true },
        }),
      )) {
        context.heartbeat();
        const found = report.workflow_id ? await state(report.workflow_id) : 'missing';
        if (found === 'running') continue;
        const { count } = await prisma.report.updateMany({
          where: { id: report.id, status: { in: ['queued', 'exporting'] } },
          data: { status: 'failed', failure_reason: closedReason('export', found) },
        });
        outcome.reports += count;
      }

      // Snapshots are only read while their run is open; the grace spares one being written by a
      // capture whose run was just closed.
      outcome.snapshots = await prisma.$executeRaw`
        DELETE FROM page_snapshots s
         WHERE s.fetched_at < ${before}
           AND NOT EXISTS (SELECT 1 FROM scan_runs r WHERE r.id = s.scan_run_id AND r.status IN ('queued', 'running'))`;
      return outcome;
    },
  };
}

function closedReason(what: 'scan' | 'verification' | 'export', state: Exclude<WorkflowState, 'running'>): string {
  return state === 'missing'
    ? `the ${what} was never started (its workflow does not exist); closed by the sweeper`
    : `the ${what}'s workflow ended without closing it; closed by the sweeper`;
}

async function workflowState(client: Client, workflowId: string): Promise<WorkflowState> {
  try {
    const { status } = await client.workflow.getHandle(workflowId).describe();
    return status.name === 'RUNNING' ? 'running' : 'closed';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return 'missing';
    throw err;
  }
}

/** Rows page by page, by id: rows this sweep closes drop out of the query, so it moves on by id. */
async function* pages<T extends { id: string }>(page: (after: string | undefined) => Promise<T[]>): AsyncGenerator<T> {
  let after: string | undefined;
  for (;;) {
    const rows = await page(after);
    yield* rows;
    if (rows.length < PAGE) return;
    after = rows.at(-1)!.id;
  }
}
