import { z } from 'zod';
import { SCANNERS } from '../domain/scanners.ts';
import type { Prisma, ScanRun } from '../generated/prisma/client.ts';
import type { Db } from '../platform/db.ts';

/**
 * A scan's progress as events (docs/api.md, "Live progress"): each slot change, each AI stage
 * change and the run's end is a row of scan_run_events with the next seq of its run, written in
 * the transaction of the change itself, which also NOTIFYs `<run id>:<seq>` on this channel. The
 * seq is the SSE event id: a client resuming after seq n is sent exactly the rows after n.
 */
export const SCAN_EVENT_CHANNEL = 'scan_run_events';

export type ScanEventKind = 'scanner' | 'analysis' | 'completed' | 'failed';

/** The writers' client: Prisma itself for a lone statement, or an interactive transaction. */
type Tx = Pick<Db, '$executeRaw'> | Prisma.TransactionClient;

/**
 * Appends one event to the run's log and announces it, in one statement: the seq comes from the
 * run's row under its lock, so concurrent changes (four scanners settling at once) get distinct
 * seqs in commit order, and a NOTIFY is delivered at commit, in commit order. Call it in the
 * transaction that made the change, and only when the change changed something: a retried
 * activity must not log its change twice.
 */
export async function appendScanEvent(tx: Tx, scanRunId: string, kind: ScanEventKind, data: Record<string, unknown>): Promise<void> {
  await tx.$executeRaw`
    WITH bumped AS (
      UPDATE scan_runs SET event_seq = event_seq + 1 WHERE id = ${scanRunId}::uuid RETURNING id, event_seq
    ), logged AS (
      INSERT INTO scan_run_events (scan_run_id, seq, kind, data)
      SELECT id, event_seq, ${kind}, ${JSON.stringify(data)}::jsonb FROM bumped
      RETURNING scan_run_id, seq
    )
    SELECT pg_notify(${SCAN_EVENT_CHANNEL}, scan_run_id::text || ':' || seq) FROM logged`;
}

/**
 * A guarded change of the run's row and its event in one statement (one round trip, no
 * transaction): `set` and `where` make an UPDATE of the run that also takes the next seq under the
 * row's lock; the event is written and announced only when a row changed, so a retry that finds
 * the change made logs nothing. Returns whether it changed. The same log as appendScanEvent's.
 */
export async function changeScanRunAndLog(
  db: Tx,
  scanRunId: string,
  change: { set: Prisma.Sql; where: Prisma.Sql },
  kind: ScanEventKind,
  data: Record<string, unknown>,
): Promise<boolean> {
  const notified = await db.$executeRaw`
    WITH changed AS (
      UPDATE scan_runs SET ${change.set}, event_seq = event_seq + 1, updated_at = now()
       WHERE id = ${scanRunId}::uuid AND ${change.where}
      RETURNING id, event_seq
    ), logged AS (
      INSERT INTO scan_run_events (scan_run_id, seq, kind, data)
      SELECT id, event_seq, ${kind}, ${JSON.stringify(data)}::jsonb FROM changed
      RETURNING scan_run_id, seq
    )
    SELECT pg_notify(${SCAN_EVENT_CHANNEL}, scan_run_id::text || ':' || seq) FROM logged`;
  return notified > 0;
}

/** The end of a run, logged by whoever closed it (the workflow, its failure path, the sweeper, the kickoff). */
export function appendEndEvent(tx: Tx, scanRunId: string, status: 'completed' | 'failed'): Promise<void> {
  return appendScanEvent(tx, scanRunId, status, { status });
}

// The log is read back through these (a JSON column parsed at the persistence boundary).
const slotStatus = z.enum(['pending', 'running', 'done', 'failed']);
const scannerData = z.object({ scanner: z.enum(SCANNERS), status: slotStatus, error: z.string().optional() });
const analysisData = z.object({ status: z.enum(['pending', 'running', 'done', 'failed', 'skipped']), reason: z.string().optional() });

export type ScannerEventData = z.infer<typeof scannerData>;
export type AnalysisEventData = z.infer<typeof analysisData>;

/** One event as the stream sends it: `data` is already the JSON text of the SSE data field. */
export interface ScanEvent {
  seq: number;
  kind: ScanEventKind;
  data: string;
  /** True for `completed` and `failed`: the stream ends after it. */
  final: boolean;
}

const NOTICE = /^([0-9a-f-]{36}):(\d{1,10})$/;

/** `<run id>:<seq>`, or null for anything else on the channel. */
export function parseNotice(payload: string): { scanRunId: string; seq: number } | null {
  const match = NOTICE.exec(payload);
  return match ? { scanRunId: match[1]!, seq: Number(match[2]) } : null;
}

/** A run's events are few (two per scanner, a few AI stages, the end): the cap only guards against a runaway writer. */
const MAX_EVENTS_READ = 1_000;

/**
 * Reads a run's events after `afterSeq` (up to `untilSeq`), in order, rendered: an end event
 * carries the run as `render` (GET scans/:id's serializer) makes it, read once for the batch.
 */
export async function readScanEvents(
  prisma: Db,
  scanRunId: string,
  render: (run: ScanRun) => unknown,
  range: { afterSeq: number; untilSeq?: number },
): Promise<ScanEvent[]> {
  const rows = await prisma.scanRunEvent.findMany({
    where: { scan_run_id: scanRunId, seq: { gt: range.afterSeq, ...(range.untilSeq !== undefined ? { lte: range.untilSeq } : {}) } },
    orderBy: { seq: 'asc' },
    take: MAX_EVENTS_READ,
    select: { seq: true, kind: true, data: true },
  });
  let run: ScanRun | null | undefined;
  const events: ScanEvent[] = [];
  for (const row of rows) {
    if (row.kind === 'completed' || row.kind === 'failed') {
      run ??= await prisma.scanRun.findUnique({ where: { id: scanRunId } });
      if (!run) break;
      events.push({ seq: row.seq, kind: row.kind, data: JSON.stringify(render(run)), final: true });
      break; // nothing follows the end
    }
    if (row.kind === 'scanner') events.push({ seq: row.seq, kind: 'scanner', data: JSON.stringify(scannerData.parse(row.data)), final: false });
    else if (row.kind === 'analysis') events.push({ seq: row.seq, kind: 'analysis', data: JSON.stringify(analysisData.parse(row.data)), final: false });
  }
  return events;
}

/**
 * The run's current state as events, all with the run's current seq as id (a client that
 * resumes from it is sent what came after): its slots in scanner order, its AI stage if it has
 * one, and the end if it ended.
 */
export function snapshotEvents(run: ScanRun, render: (run: ScanRun) => unknown): ScanEvent[] {
  const seq = run.event_seq;
  const events: ScanEvent[] = [];
  const slots = z.record(z.string(), z.object({ status: slotStatus, error: z.string().optional() })).catch({}).parse(run.scanner_status);
  for (const scanner of SCANNERS) {
    const slot = slots[scanner];
    if (!slot) continue;
    events.push({ seq, kind: 'scanner', data: JSON.stringify({ scanner, status: slot.status, ...(slot.error !== undefined ? { error: slot.error } : {}) }), final: false });
  }
  const stage = analysisData.safeParse(run.analysis);
  if (stage.success) events.push({ seq, kind: 'analysis', data: JSON.stringify(stage.data), final: false });
  if (run.status === 'completed' || run.status === 'failed') events.push({ seq, kind: run.status, data: JSON.stringify(render(run)), final: true });
  return events;
}
