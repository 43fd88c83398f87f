import type { ScanRun } from '../generated/prisma/client.ts';
import type { Db } from '../platform/db.ts';
import type { PgListener } from '../platform/pg-listener.ts';
import { parseNotice, readScanEvents, SCAN_EVENT_CHANNEL, type ScanEvent } from './scan-events.ts';

/** One open stream, as the hub sees it. */
export interface ScanEventSubscriber {
  /** The seq of the last event the stream has (-1 while it reads its start): the hub's catch-up reads start after the lowest. */
  readonly cursor: number;
  /** An event of the run, in seq order; the stream drops those it already has. */
  deliver(event: ScanEvent): void;
  /** The hub cannot serve it any more (shutdown, a failed read): the stream ends, its client resumes. */
  end(reason: 'shutdown' | 'error'): void;
}

interface Run {
  subscribers: Set<ScanEventSubscriber>;
  /** Reads of this run, one after the other, so events go out in seq order. */
  chain: Promise<void>;
  /** The highest seq this process dispatched for the run; undefined before its first notice. */
  dispatched: number | undefined;
}

export interface ScanEventHubOptions {
  prisma: Db;
  listener: PgListener;
  /** GET scans/:id's serializer: the end event carries the run as it serializes it. */
  render: (run: ScanRun) => unknown;
  /** After a lost LISTEN connection, the first retry; doubled up to 30 s. */
  relistenDelayMs?: number;
  onError?: (err: unknown, what: string) => void;
}

/**
 * Fans a process's scan events out to its open streams: one LISTEN (the process's shared
 * connection) for every stream, and each notice read from the database once per process, not
 * per stream; runs nobody here streams are not read at all. A lost LISTEN connection is
 * re-established in the background, then every streamed run is read once from where this
 * process left it, so its streams miss nothing.
 */
export function createScanEventHub({ prisma, listener, render, relistenDelayMs = 500, onError }: ScanEventHubOptions) {
  const runs = new Map<string, Run>();
  let listening: Promise<() => void> | undefined;
  let relistenTimer: NodeJS.Timeout | undefined;
  let closed = false;

  const read = (scanRunId: string, run: Run, untilSeq: number | undefined) => {
    run.chain = run.chain.then(async () => {
      if (untilSeq !== undefined && run.dispatched !== undefined && untilSeq <= run.dispatched) return;
      const cursors = [...run.subscribers].map((s) => s.cursor).filter((c) => c >= 0);
      // The first notice of a run reads that event only: streams read their start themselves.
      const afterSeq = run.dispatched ?? (untilSeq !== undefined ? untilSeq - 1 : cursors.length ? Math.min(...cursors) : undefined);
      if (afterSeq === undefined) return;
      try {
        const events = await readScanEvents(prisma, scanRunId, render, { afterSeq, ...(untilSeq !== undefined ? { untilSeq } : {}) });
        for (const event of events) {
          run.dispatched = event.seq;
          for (const subscriber of [...run.subscribers]) subscriber.deliver(event);
        }
      } catch (err) {
        onError?.(err, 'read scan events');
        // Its streams end and their clients resume from what they have.
        for (const subscriber of [...run.subscribers]) subscriber.end('error');
        run.subscribers.clear();
        runs.delete(scanRunId);
      }
    });
  };

  const onNotice = (payload: string) => {
    const notice = parseNotice(payload);
    if (!notice) return;
    const run = runs.get(notice.scanRunId);
    if (run) read(notice.scanRunId, run, notice.seq);
  };

  const subscribeChannel = () =>
    (listening ??= listener.listen(SCAN_EVENT_CHANNEL, onNotice).catch((err: unknown) => {
      listening = undefined;
      throw err;
    }));

  const relisten = (delayMs: number) => {
    if (closed || relistenTimer || runs.size === 0) return;
    relistenTimer = setTimeout(() => {
      relistenTimer = undefined;
      subscribeChannel().then(
        () => {
          for (const [id, run] of runs) read(id, run, undefined);
        },
        (err: unknown) => {
          onError?.(err, 'listen for scan events');
          relisten(Math.min(delayMs * 2, 30_000));
        },
      );
    }, delayMs);
    relistenTimer.unref();
  };

  const stopLost = listener.onLost(() => {
    listening = undefined;
    relisten(relistenDelayMs);
  });

  return {
    /**
     * Resolves once notices reach the subscriber: a change committed after this is delivered.
     * Rejects when the database cannot be listened to.
     */
    async subscribe(scanRunId: string, subscriber: ScanEventSubscriber): Promise<() => void> {
      if (closed) throw new Error('the scan event hub is closed');
      await subscribeChannel();
      let run = runs.get(scanRunId);
      if (!run) runs.set(scanRunId, (run = { subscribers: new Set(), chain: Promise.resolve(), dispatched: undefined }));
      run.subscribers.add(subscriber);
      const entry = run;
      return () => {
        entry.subscribers.delete(subscriber);
        if (entry.subscribers.size === 0 && runs.get(scanRunId) === entry) runs.delete(scanRunId);
      };
    },

    /** Open streams (for tests and diagnostics). */
    subscriberCount(): number {
      let n = 0;
      for (const run of runs.values()) n += run.subscribers.size;
      return n;
    },

    /** Ends every open stream (graceful shutdown); the process's LISTEN connection stays the database's to close. */
    close(): void {
      closed = true;
      clearTimeout(relistenTimer);
      stopLost();
      void listening?.then((stop) => stop(), () => undefined);
      for (const run of runs.values()) for (const subscriber of run.subscribers) subscriber.end('shutdown');
      runs.clear();
    },
  };
}

export type ScanEventHub = ReturnType<typeof createScanEventHub>;
