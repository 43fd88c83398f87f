import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { ClientError, type ApiClient } from './api-client.ts';
import { pause, PollingProgressSource, type ScanProgressSource, type ScanSnapshot } from './progress.ts';

export interface SseOptions {
  /** Consecutive failed (re)connections before the watch falls back to polling. */
  maxReconnects?: number;
  reconnectDelayMs?: number;
  /** Told when the stream breaks and the watch reconnects or falls back (a CI log shows why). */
  onNotice?: (message: string) => void;
  /** The fallback; polling GET scans/:id by default. */
  fallback?: ScanProgressSource;
}

/** A hostile or broken server cannot make the CLI buffer more than this for one event. */
const MAX_EVENT_CHARS = 1024 * 1024;

/**
 * Follows GET scans/:id/events: every slot and AI stage change as the API announces it, the
 * scan as GET scans/:id serialises it at the end. A broken stream is resumed with
 * Last-Event-ID; when that keeps failing (or the API has no stream: 404 on an older instance),
 * the watch goes on by polling, so a proxy that does not pass streams costs only latency.
 */
export class SseProgressSource implements ScanProgressSource {
  private readonly fallback: ScanProgressSource;

  constructor(
    private readonly client: ApiClient,
    private readonly options: SseOptions = {},
  ) {
    this.fallback = options.fallback ?? new PollingProgressSource(client);
  }

  async *watch(scanId: string, signal: AbortSignal): AsyncIterable<ScanSnapshot> {
    const path = `scans/${encodeURIComponent(scanId)}`;
    // The fields the events do not carry (url, summary, …): from the scan itself, once.
    const current = (await this.client.call<ScanSnapshot>('GET', path)).data;
    if (current.status === 'completed' || current.status === 'failed') {
      yield current;
      return;
    }
    // The stream is read from its first event (Last-Event-ID 0): every change the run went
    // through, in order, from the state it was queued in, whenever the watch started.
    let scan: ScanSnapshot = {
      ...current,
      status: 'queued',
      scanner_status: Object.fromEntries(Object.keys(current.scanner_status ?? {}).map((name) => [name, { status: 'pending' }])),
      analysis: current.analysis ? { status: 'pending' } : null,
    };
    let lastEventId = '0';
    let failures = 0;
    const maxReconnects = this.options.maxReconnects ?? 3;
    while (failures <= maxReconnects) {
      signal.throwIfAborted();
      let progressed = false;
      try {
        const res = await this.client.stream(`${path}/events`, { signal, lastEventId });
        if (res.status === 204) {
          // The stream says we have everything: the end itself is read once more.
          yield (await this.client.call<ScanSnapshot>('GET', path)).data;
          return;
        }
        for await (const event of events(res, signal)) {
          progressed = true;
          failures = 0;
          if (event.id !== undefined) lastEventId = event.id;
          const next = apply(scan, event);
          if (!next) continue;
          const finished = next.status === 'completed' || next.status === 'failed';
          // A resumed stream may repeat a state: only changes are news.
          if (!finished && fingerprint(next) === fingerprint(scan)) continue;
          scan = next;
          yield scan;
          if (finished) return;
        }
        if (signal.aborted) throw signal.reason;
        this.options.onNotice?.(`progress stream of scan ${scanId} ended early; resuming`);
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        // A refused stream (no such route on an older API, a proxy in the way) goes to polling at once.
        if (err instanceof ClientError && !/cannot reach|cut off/.test(err.message)) {
          this.options.onNotice?.(`progress stream unavailable (${err.message}); polling instead`);
          break;
        }
        this.options.onNotice?.(`progress stream of scan ${scanId} broke (${err instanceof Error ? err.message : String(err)}); resuming`);
      }
      if (!progressed) failures++;
      if (failures <= maxReconnects) await pause(this.options.reconnectDelayMs ?? 1_000, signal);
    }
    if (failures > maxReconnects) this.options.onNotice?.(`progress stream of scan ${scanId} keeps failing; polling instead`);
    yield* this.fallback.watch(scanId, signal);
  }
}

/** The stream's events, as they arrive; comments (heartbeats) are skipped by the parser. */
async function* events(res: Response, signal: AbortSignal): AsyncIterable<EventSourceMessage> {
  if (!res.body) return;
  const queue: EventSourceMessage[] = [];
  let broken: Error | undefined;
  const parser = createParser({
    maxBufferSize: MAX_EVENT_CHARS,
    onEvent: (event) => queue.push(event),
    onError: (err) => {
      if (err.type === 'max-buffer-size-exceeded') broken = new Error('an event exceeded 1 MiB');
    },
  });
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      parser.feed(value);
      if (broken) throw broken;
      while (queue.length) yield queue.shift()!;
    }
  } finally {
    if (!signal.aborted) await reader.cancel().catch(() => undefined);
  }
}

/** The scan after one event; null for an event this CLI does not know (a newer API's). */
function apply(scan: ScanSnapshot, event: EventSourceMessage): ScanSnapshot | null {
  let data: unknown;
  try {
    data = JSON.parse(event.data);
  } catch {
    return null;
  }
  if (!data || typeof data !== 'object') return null;
  const d = data as Record<string, unknown>;
  switch (event.event) {
    case 'scanner': {
      if (typeof d.scanner !== 'string' || typeof d.status !== 'string') return null;
      const slot = { status: d.status, ...(typeof d.error === 'string' ? { error: d.error } : {}) };
      // A slot that runs means the run does (the stream has no event of its own for that).
      const status = scan.status === 'queued' && d.status !== 'pending' ? 'running' : scan.status;
      return { ...scan, status, scanner_status: { ...scan.scanner_status, [d.scanner]: slot } };
    }
    case 'analysis':
      if (typeof d.status !== 'string') return null;
      return { ...scan, analysis: { status: d.status, ...(typeof d.reason === 'string' ? { reason: d.reason } : {}) } };
    case 'completed':
    case 'failed':
      if (d.status !== event.event || typeof d.id !== 'string') return null;
      return data as ScanSnapshot;
    default:
      return null;
  }
}

const fingerprint = (scan: ScanSnapshot) => JSON.stringify([scan.status, scan.scanner_status, scan.analysis]);

