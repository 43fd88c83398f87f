import { ApplicationFailure, CancelledFailure, Context, log } from '@temporalio/activity';
import { z } from 'zod';
import type { Config } from '../platform/config.ts';
import type { Db } from '../platform/db.ts';
import type { WorkerMetrics } from '../platform/metrics.ts';

/**
 * A fair share of the browser queue between orgs (docs/scanning.md, "Fair share").
 *
 * Temporal's task queue is one FIFO: an org that queues a hundred scans would keep every other
 * org's scans waiting behind them. So the browser worker takes more tasks than it runs Chromium
 * (`browserTaskSlots`), and each browser activity, before it touches Chromium:
 *  1. takes one of its org's BROWSER_ORG_CONCURRENCY leases on the queue (rows in
 *     `browser_leases`, shared by every worker of the queue). An org already at its limit gets a
 *     quick retryable `BrowserBusy` failure: the task goes back to the queue (Temporal retries it
 *     after BUSY_RETRY) and the slot takes the next task, another org's;
 *  2. waits, holding that lease, for one of this worker's BROWSER_CONCURRENCY Chromium slots (in
 *     arrival order, so the orgs that hold a lease take turns);
 *     axe-core work (kind `axe`) has slots and leases of its own (BROWSER_AXE_CONCURRENCY slots, the
 *     leases of pool `<queue>:axe`), so a scan's accessibility audit runs beside its Lighthouse run
 *     instead of after it (docs/scanning.md, "axe beside Lighthouse");
 *  3. runs, renewing the lease while it heartbeats, and gives both back on every path. A lease
 *     whose worker died expires LEASE_TTL later, so nothing stays taken.
 * Work that never got to run within BROWSER_QUEUE_MAX_WAIT_SECONDS of being scheduled fails,
 * not retried, with "browser queue wait exceeded N s" (the workflow shows it as the slot's error).
 *
 * The retry policy of these activities allows unlimited attempts (busy rejections are attempts),
 * bounded by their schedule-to-close timeout; real failures are bounded here instead: the runs
 * are counted in the heartbeat details, which Temporal hands to the next attempt (an attempt that
 * never heartbeats, such as a rejection, leaves them as they were), and a failure on the last
 * allowed run, or an attempt after it, is made non-retryable.
 */

export type BrowserShareConfig = Pick<
  Config,
  'BROWSER_CONCURRENCY' | 'BROWSER_AXE_CONCURRENCY' | 'BROWSER_ORG_CONCURRENCY' | 'BROWSER_QUEUE_MAX_WAIT_SECONDS' | 'TEMPORAL_BROWSER_TASK_QUEUE'
>;

/** A lease not renewed for this long belongs to a dead worker and may be taken. */
export const LEASE_TTL_SECONDS = 60;
const RENEW_EVERY_MS = 10_000;
const HEARTBEAT_EVERY_MS = 2_000;
/** When a busy org's task is offered again: short enough that a freed lease is soon used. */
const BUSY_RETRY = '2 seconds';

/** Tasks the browser worker takes at once: its Chromium slots (both kinds), as many waiting for one, and one to turn busy orgs away. */
export function browserTaskSlots(config: Pick<Config, 'BROWSER_CONCURRENCY' | 'BROWSER_AXE_CONCURRENCY'>): number {
  return 2 * (config.BROWSER_CONCURRENCY + config.BROWSER_AXE_CONCURRENCY) + 1;
}

/**
 * What a browser job does with its Chromium: `lighthouse` for lab measurements and everything else
 * (verifications, PDFs), `axe` for a scan's accessibility audit, which is short and has slots of its own.
 */
export type BrowserSlotKind = 'lighthouse' | 'axe';

export const BROWSER_SHARE_FAILURES = { busy: 'BrowserBusy', waitExceeded: 'BrowserQueueWaitExceeded', gaveUp: 'BrowserWorkGaveUp' } as const;

const runsSoFar = z.object({ browserRuns: z.number().int().min(0) });

export interface BrowserShare {
  /**
   * `work` with the org's lease (when the activity runs on the browser queue) and a Chromium slot
   * of this worker, heartbeating throughout. `maxRuns` bounds the runs that may fail.
   */
  run<T>(orgId: string, maxRuns: number, work: (signal: AbortSignal) => Promise<T>, kind?: BrowserSlotKind): Promise<T>;
}

export function createBrowserShare(prisma: Db, config: BrowserShareConfig, metrics?: WorkerMetrics): BrowserShare {
  const chromium = new Slots(config.BROWSER_CONCURRENCY);
  const axeSlots = config.BROWSER_AXE_CONCURRENCY > 0 ? new Slots(config.BROWSER_AXE_CONCURRENCY) : null;
  const pool = config.TEMPORAL_BROWSER_TASK_QUEUE;
  const maxWaitMs = config.BROWSER_QUEUE_MAX_WAIT_SECONDS * 1000;
  const waitExceeded = () =>
    ApplicationFailure.create({
      type: BROWSER_SHARE_FAILURES.waitExceeded,
      message: `browser queue wait exceeded ${config.BROWSER_QUEUE_MAX_WAIT_SECONDS} s`,
      nonRetryable: true,
    });

  return {
    async run(orgId, maxRuns, work, kind = 'lighthouse') {
      // axe in slots of its own takes leases of its own: the org's turn at Lighthouse does not hold
      // back its axe, and the reverse; fairness between orgs holds within each kind.
      const ownAxe = kind === 'axe' && axeSlots !== null;
      const slots = ownAxe ? axeSlots : chromium;
      const leasePool = ownAxe ? `${pool}:axe` : pool;
      const context = Context.current();
      const { info } = context;
      const parsed = runsSoFar.safeParse(info.heartbeatDetails);
      const runs = parsed.success ? parsed.data.browserRuns : 0;
      if (runs >= maxRuns) {
        throw ApplicationFailure.create({
          type: BROWSER_SHARE_FAILURES.gaveUp,
          message: `gave up after ${runs} run${runs === 1 ? '' : 's'} that did not finish (worker lost or timed out)`,
          nonRetryable: true,
        });
      }
      // Only work that never ran is held to the queue wait: a retry after a lost worker is not waiting.
      const deadline = runs === 0 ? info.scheduledTimestampMs + maxWaitMs : Infinity;
      // The same activities serve the main queue (verifications without a browser key): no share there.
      const onBrowserQueue = info.taskQueue === pool;
      const limited = onBrowserQueue && config.BROWSER_ORG_CONCURRENCY > 0;
      const holder = `${info.workflowExecution?.workflowId ?? "-"}/${info.activityId}`;
      // The wait of work that never ran counts from its first scheduling, across busy turn-backs;
      // a rerun after a lost worker waits from its own attempt.
      const waitedSince = runs === 0 ? info.scheduledTimestampMs : info.currentAttemptScheduledTimestampMs;
      const observeWait = (outcome: 'granted' | 'exceeded') => {
        if (onBrowserQueue) metrics?.browserQueueWait.observe({ outcome }, Math.max(0, Date.now() - waitedSince) / 1000);
      };
      const lease = limited ? await takeLease(prisma, leasePool, orgId, holder, info.attempt, config.BROWSER_ORG_CONCURRENCY) : null;
      if (limited && lease === null) {
        if (Date.now() > deadline) {
          observeWait('exceeded');
          throw waitExceeded();
        }
        throw ApplicationFailure.create({
          type: BROWSER_SHARE_FAILURES.busy,
          message: `the org already runs ${config.BROWSER_ORG_CONCURRENCY} browser job${config.BROWSER_ORG_CONCURRENCY === 1 ? '' : 's'} on ${leasePool}; back to the queue`,
          nextRetryDelay: BUSY_RETRY,
          // Expected and frequent under load: logged at debug level, not counted as a failure.
          category: 'BENIGN',
        });
      }

      const signal = context.cancellationSignal;
      let details = { browserRuns: runs };
      // A local activity (an HTTP-only verification) has no heartbeat: its workflow task is its liveness.
      const beat = () => {
        if (!info.isLocal) context.heartbeat(details);
      };
      const heartbeat = setInterval(beat, HEARTBEAT_EVERY_MS);
      const renew = lease ? setInterval(() => void renewLease(prisma, lease), RENEW_EVERY_MS) : undefined;
      let release: (() => void) | undefined;
      try {
        beat();
        release = onBrowserQueue
          ? await slots.acquire(AbortSignal.any([signal, AbortSignal.timeout(Math.max(0, Math.min(deadline - Date.now(), 2 ** 31 - 1)))]))
          : () => undefined;
        if (release === undefined) {
          if (signal.aborted) throw new CancelledFailure('cancelled while waiting for a browser slot');
          observeWait('exceeded');
          throw waitExceeded();
        }
        observeWait('granted');
        details = { browserRuns: runs + 1 };
        beat();
        try {
          return await work(signal);
        } catch (err) {
          if (runs + 1 < maxRuns || signal.aborted || !retryable(err)) throw err;
          const message = err instanceof Error ? err.message : String(err);
          throw ApplicationFailure.create({ type: err instanceof ApplicationFailure && err.type ? err.type : 'BrowserWorkFailed', message, nonRetryable: true });
        }
      } finally {
        clearInterval(heartbeat);
        if (renew) clearInterval(renew);
        release?.();
        if (lease) await releaseLease(prisma, lease);
      }
    },
  };
}

function retryable(err: unknown): boolean {
  return !(err instanceof ApplicationFailure && err.nonRetryable) && !(err instanceof CancelledFailure);
}

interface Lease {
  pool: string;
  orgId: string;
  slot: number;
  holder: string;
}

/**
 * One of the org's `limit` slots, if one is free, expired, or held by an earlier attempt of this
 * same activity (Temporal started this attempt because that one is gone). One statement per slot:
 * PostgreSQL re-checks the condition on the conflicting row under its lock, so two workers never
 * both take a slot.
 */
async function takeLease(prisma: Db, pool: string, orgId: string, activity: string, attempt: number, limit: number): Promise<Lease | null> {
  const holder = `${activity}#${attempt}`;
  for (let slot = 0; slot < limit; slot++) {
    const rows = await prisma.$queryRaw<Array<{ slot: number }>>`
      INSERT INTO browser_leases (pool, org_id, slot, holder, acquired_at, expires_at)
      VALUES (${pool}, ${orgId}::uuid, ${slot}, ${holder}, now(), now() + make_interval(secs => ${LEASE_TTL_SECONDS}))
      ON CONFLICT (pool, org_id, slot) DO UPDATE
         SET holder = EXCLUDED.holder, acquired_at = EXCLUDED.acquired_at, expires_at = EXCLUDED.expires_at
       WHERE browser_leases.expires_at < now() OR starts_with(browser_leases.holder, ${`${activity}#`})
      RETURNING slot`;
    if (rows.length > 0) return { pool, orgId, slot, holder };
  }
  return null;
}

async function renewLease(prisma: Db, lease: Lease): Promise<void> {
  try {
    const renewed = await prisma.$executeRaw`
      UPDATE browser_leases SET expires_at = now() + make_interval(secs => ${LEASE_TTL_SECONDS})
       WHERE pool = ${lease.pool} AND org_id = ${lease.orgId}::uuid AND slot = ${lease.slot} AND holder = ${lease.holder}`;
    if (renewed === 0) log.warn('browser lease lost (expired and taken): the org may briefly run one browser job more than its limit');
  } catch (err) {
    log.warn(`browser lease not renewed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function releaseLease(prisma: Db, lease: Lease): Promise<void> {
  try {
    await prisma.$executeRaw`
      DELETE FROM browser_leases WHERE pool = ${lease.pool} AND org_id = ${lease.orgId}::uuid AND slot = ${lease.slot} AND holder = ${lease.holder}`;
  } catch (err) {
    // It expires by itself within LEASE_TTL_SECONDS.
    log.warn(`browser lease not released: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** A counting semaphore served in arrival order; a waiter whose signal fires leaves the line. */
export class Slots {
  private free: number;
  private readonly waiting: Array<(release: () => void) => void> = [];

  constructor(size: number) {
    this.free = size;
  }

  /** Resolves with the slot's release function, or undefined when `signal` fired first. */
  acquire(signal: AbortSignal): Promise<(() => void) | undefined> {
    if (signal.aborted) return Promise.resolve(undefined);
    if (this.free > 0) {
      this.free--;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve) => {
      const grant = (release: () => void) => {
        signal.removeEventListener('abort', leave);
        resolve(release);
      };
      const leave = () => {
        const index = this.waiting.indexOf(grant);
        if (index >= 0) this.waiting.splice(index, 1);
        resolve(undefined);
      };
      this.waiting.push(grant);
      signal.addEventListener('abort', leave, { once: true });
    });
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.waiting.shift();
      if (next) next(this.releaser());
      else this.free++;
    };
  }
}
