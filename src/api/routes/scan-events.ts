import type { Request, RequestHandler, Response } from 'express';
import type { ScanEventHub, ScanEventSubscriber } from '../../services/scan-event-hub.ts';
import { readScanEvents, snapshotEvents, type ScanEvent } from '../../services/scan-events.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError, invalidParams, notFound } from '../errors.ts';
import { serializeScanRun } from '../serializers/scan-run.ts';
import { uuidParam } from '../validation.ts';

/**
 * What a slow client may leave unread before its stream is cut (it resumes from Last-Event-ID
 * when it reconnects): a run's events are a few kilobytes, so only a client that stopped reading
 * gets there, and the process never buffers more than this per stream.
 */
export const MAX_UNREAD_BYTES = 64 * 1024;

/** How long a browser's EventSource waits before it reconnects (the `retry:` field). */
const RETRY_MS = 2_000;

/** A seq the stream sent: digits, within the column's int range. */
const LAST_EVENT_ID = /^\d{1,10}$/;
const MAX_SEQ = 2 ** 31 - 1;

/**
 * GET scans/:scan_id/events (docs/api.md, "Live progress"): the run's state, then each change
 * as the writers announce it (the process's one LISTEN, fanned out by the hub), then the end.
 * Every answer before the stream starts is the usual envelope (404, 422); after it, a failure
 * ends the stream and the client resumes.
 */
export function streamScanEvents({ config, db }: ApiDeps, hub: ScanEventHub): RequestHandler {
  const { prisma } = db;
  return async (req, res) => {
    const scanId = uuidParam.safeParse(req.params.scan_id);
    if (!scanId.success) throw notFound();
    const resumeAfter = lastEventId(req);
    const { orgId, projectId } = res.locals.tenant;

    const stream = new EventStream(res);
    let unsubscribe: () => void;
    try {
      // Listening first, reading second: a change committed after the read is delivered.
      unsubscribe = await hub.subscribe(scanId.data, stream);
    } catch {
      throw new ApiError('unavailable', 'Live progress is unavailable; read GET scans/:id meanwhile');
    }
    const stop = () => {
      unsubscribe();
      stream.close();
    };
    res.on('close', stop);
    try {
      const run = await prisma.scanRun.findFirst({ where: { id: scanId.data, org_id: orgId, project_id: projectId } });
      if (!run) throw notFound();
      const ended = run.status === 'completed' || run.status === 'failed';
      let start: ScanEvent[];
      if (resumeAfter === undefined) {
        start = snapshotEvents(run, serializeScanRun);
      } else {
        if (resumeAfter > run.event_seq) throw invalidParams({ 'Last-Event-ID': ['is not an event id of this scan'] });
        // Nothing was missed and nothing will come: 204 tells an EventSource not to reconnect.
        if (ended && resumeAfter === run.event_seq) {
          stop();
          res.status(204).end();
          return;
        }
        start = await readScanEvents(prisma, run.id, serializeScanRun, { afterSeq: resumeAfter, untilSeq: run.event_seq });
        // A run that ended before it logged events (older than the log) has only its state to send.
        if (ended && !start.some((e) => e.final)) start = snapshotEvents(run, serializeScanRun).filter((e) => e.final);
      }
      stream.open(config.SSE_HEARTBEAT_MS, resumeAfter ?? run.event_seq);
      stream.begin(start, resumeAfter === undefined ? run.event_seq : undefined);
    } catch (err) {
      stop();
      if (res.headersSent) return void res.end();
      throw err;
    }
  };
}

/** `Last-Event-ID`: absent, or an id this stream sent (422 otherwise). */
function lastEventId(req: Request): number | undefined {
  const header = req.get('last-event-id');
  if (header === undefined || header === '') return undefined;
  const seq = LAST_EVENT_ID.test(header) ? Number(header) : NaN;
  if (!(seq <= MAX_SEQ)) throw invalidParams({ 'Last-Event-ID': ['must be the id of an event this stream sent'] });
  return seq;
}

/**
 * One response as an event stream: events the hub delivers before the start is sent wait,
 * then go out after it, those already sent dropped by seq.
 */
class EventStream implements ScanEventSubscriber {
  cursor = -1;
  private pending: ScanEvent[] | undefined = [];
  private heartbeat: NodeJS.Timeout | undefined;
  private done = false;

  constructor(private readonly res: Response) {}

  open(heartbeatMs: number, cursor: number): void {
    if (this.done) return; // the client left while the start was read
    this.res.status(200);
    this.res.set({
      'content-type': 'text/event-stream; charset=utf-8',
      // Proxies must pass each event on as it comes: no caching, no transforming, no buffering (nginx).
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    this.res.flushHeaders();
    this.cursor = cursor;
    this.write(`retry: ${RETRY_MS}\n\n`);
    this.heartbeat = setInterval(() => this.write(': heartbeat\n\n'), heartbeatMs);
  }

  /**
   * The start (the state, or what a resuming client missed), then what arrived meanwhile.
   * `snapshotSeq`: the start is the state at that seq, its events all carry it.
   */
  begin(start: ScanEvent[], snapshotSeq?: number): void {
    const waiting = this.pending ?? [];
    this.pending = undefined;
    for (const event of start) {
      if (this.done) return;
      this.send(event, snapshotSeq !== undefined);
    }
    for (const event of waiting) this.deliver(event);
  }

  deliver(event: ScanEvent): void {
    if (this.done) return;
    if (this.pending) {
      this.pending.push(event);
      return;
    }
    if (event.seq <= this.cursor) return;
    this.send(event, false);
  }

  end(): void {
    this.close();
    // Ended before its start was sent (shutdown, a failed read): the client may try again.
    if (!this.res.headersSent) this.res.status(503);
    this.res.end();
  }

  close(): void {
    this.done = true;
    clearInterval(this.heartbeat);
  }

  private send(event: ScanEvent, snapshot: boolean): void {
    if (!snapshot) this.cursor = event.seq;
    this.write(`id: ${event.seq}\nevent: ${event.kind}\ndata: ${event.data}\n\n`);
    if (event.final) this.end();
  }

  private write(chunk: string): void {
    if (this.done) return;
    this.res.write(chunk);
    // A client that stopped reading: cut it off rather than buffer for it.
    if (this.res.writableLength > MAX_UNREAD_BYTES) {
      this.close();
      this.res.destroy();
    }
  }
}
