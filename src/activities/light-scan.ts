import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { PERMANENT_FAILURE_TYPES } from '../domain/failures.ts';
import { HTTP_SCANS_ATTEMPTS, isLightScan, type HttpScannerName, type ScannerSlot } from '../domain/scanners.ts';
import type { ScanClosing } from './scan-closing.ts';
import type { OpenedRun, ScanPlan } from './scan-runs.ts';
import type { HttpScansResult, KnownRun } from './scanners/http-scans.ts';

/** What openLightScan did: always the plan; for a light scan also its scanners' result and the closing step's. */
export interface LightScanOpened {
  plan: ScanPlan;
  light?: HttpScansResult & { closing: ScanClosing };
}

export interface LightScanSteps {
  /** openRun (scan-runs.ts): the plan, every slot running, and what was read for it. */
  open(scanRunId: string): Promise<Pick<OpenedRun, 'plan'> & Partial<KnownRun>>;
  runHttpScanners(scanRunId: string, wanted: HttpScannerName[], known?: KnownRun): Promise<HttpScansResult>;
  recordScannerSlot(scanRunId: string, scanner: HttpScannerName, slot: ScannerSlot): Promise<void>;
  closeScanRun(scanRunId: string, scannerStatus: Partial<Record<HttpScannerName, ScannerSlot>>, findingIds: string[]): Promise<ScanClosing>;
}

/**
 * A light scan (HTTP scanners only, no login recipe) in one local activity (patch
 * scan-light-one-activity): openScanRun, runHttpScanners and closeScanRun, which were three local
 * activities of one workflow task, one after the other. Each local activity is a workflow
 * activation of its own (the worker enters the workflow's VM three or four times for each, every
 * entry with a watchdog thread: docs/deploy.md, "Orchestration cost"), so a light scan is now two
 * activations where it was four; and the run's tenant, URL and site-auth are read once, with the
 * plan. A scan that is not light gets its plan alone, and the workflow goes on as before.
 *
 * Retries. Every step is idempotent (openRun finds a started run started, scanners upsert and a
 * settled slot is not settled again, a closed run is not closed again), so an attempt runs them
 * all again. The page's failures keep runHttpScanners' policy: a permanent one, or any on the
 * activity's HTTP_SCANS_ATTEMPTS-th attempt or later, settles every slot `failed` with the reason
 * here, as the workflow did, and the run closes; an earlier transient one fails the attempt, which
 * is retried. A failure of the bookkeeping (PostgreSQL) fails the attempt too, up to the
 * workflow's limit for this activity.
 */
export function createLightScanActivities(steps: LightScanSteps) {
  return {
    async openLightScan(scanRunId: string): Promise<LightScanOpened> {
      const { plan, scan, siteAuth } = await steps.open(scanRunId);
      if (!isLightScan(plan)) return { plan };
      const wanted = plan.scanners as HttpScannerName[];
      let ran: HttpScansResult;
      try {
        ran = await steps.runHttpScanners(scanRunId, wanted, scan && siteAuth !== undefined ? { scan, siteAuth } : undefined);
      } catch (err) {
        if (!pageFailureIsFinal(err, Context.current().info.attempt)) throw err;
        const slot: ScannerSlot = { status: 'failed', error: err instanceof Error ? err.message : 'scanner failed' };
        ran = { slots: {}, findingIds: [] };
        for (const name of wanted) {
          ran.slots[name] = slot;
          await steps.recordScannerSlot(scanRunId, name, slot);
        }
      }
      return { plan, light: { ...ran, closing: await steps.closeScanRun(scanRunId, ran.slots, ran.findingIds) } };
    },
  };
}

/** The page could not be fetched for good: a permanent failure, or the attempts runHttpScanners had are spent. A cancellation is not. */
function pageFailureIsFinal(err: unknown, attempt: number): boolean {
  if (err instanceof CancelledFailure || Context.current().cancellationSignal.aborted) return false;
  const permanent = err instanceof ApplicationFailure && (err.nonRetryable || (err.type != null && PERMANENT_FAILURE_TYPES.includes(err.type)));
  return permanent || attempt >= HTTP_SCANS_ATTEMPTS;
}
