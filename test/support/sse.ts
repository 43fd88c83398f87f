import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** One event as a client received it; `data` parsed. */
export interface ReceivedEvent {
  id: string | undefined;
  event: string | undefined;
  data: any;
}

export interface SseClient {
  status: number;
  headers: Headers;
  /** Events so far, in order of arrival. */
  events: ReceivedEvent[];
  /** Comments so far (heartbeats). */
  comments: string[];
  /** Resolves when the server ended the stream (or the client closed it). */
  ended: Promise<void>;
  /** Resolves once `count` events arrived (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedEvent[]>;
  /** Body text of a non-stream answer (404, 422…). */
  text: string;
  close(): void;
}

/** A Server-Sent Events client over fetch (eventsource-parser), as the CLI reads the stream. */
export async function openEvents(url: string, options: { key: string; lastEventId?: string }): Promise<SseClient> {
  const abort = new AbortController();
  const headers: Record<string, string> = { authorization: `Bearer ${options.key}`, accept: 'text/event-stream' };
  if (options.lastEventId !== undefined) headers['last-event-id'] = options.lastEventId;
  const res = await fetch(url, { headers, signal: abort.signal });
  const events: ReceivedEvent[] = [];
  const comments: string[] = [];
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of [...waiters]) waiter();
  };
  let text = '';
  let done = res.status !== 200;
  let ended: Promise<void>;
  if (res.status !== 200 || !res.body) {
    text = await res.text();
    ended = Promise.resolve();
  } else {
    const parser = createParser({
      onEvent: (e: EventSourceMessage) => {
        events.push({ id: e.id, event: e.event, data: JSON.parse(e.data) });
        notify();
      },
      onComment: (c) => comments.push(c),
    });
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    ended = (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
      } catch {
        // closed by the client
      } finally {
        done = true;
        notify();
      }
    })();
  }
  return {
    status: res.status,
    headers: res.headers,
    events,
    comments,
    ended,
    text,
    waitFor(count, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (events.length >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(events.slice(0, count));
          } else if (done) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(new Error(`the stream ended after ${events.length} of ${count} events: ${JSON.stringify(events)}`));
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${events.length} of ${count} events within ${timeoutMs} ms: ${JSON.stringify(events)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => abort.abort(),
  };
}
