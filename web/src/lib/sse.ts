import { createParser, type EventSourceMessage } from 'eventsource-parser';

/**
 * Server-Sent Events over fetch, not EventSource: EventSource cannot send the Authorization
 * header, and the key must not go into the URL. Reconnects with Last-Event-ID after a cut
 * (the server resumes from it) until the stream ends on its own or `signal` aborts.
 */
export interface StreamOptions {
  url: string;
  headers: Record<string, string>;
  signal: AbortSignal;
  onEvent: (event: EventSourceMessage) => void;
  /** A non-2xx answer before the stream starts: no retry. */
  onRefused: (status: number) => void;
  /** Whether the final event came: a stream that closes before it is resumed. */
  finished: () => boolean;
  fetch?: typeof fetch;
  /** Reconnect attempts in a row without an event in between. */
  maxRetries?: number;
  retryDelayMs?: number;
}

export async function followEventStream(options: StreamOptions): Promise<'ended' | 'aborted' | 'gave_up' | 'refused'> {
  const doFetch = options.fetch ?? fetch;
  let lastEventId: string | undefined;
  let failures = 0;
  const max = options.maxRetries ?? 5;
  while (!options.signal.aborted) {
    try {
      const res = await doFetch(options.url, {
        headers: { ...options.headers, accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
        signal: options.signal,
        cache: 'no-store',
      });
      if (res.status === 204) return 'ended';
      if (!res.ok || !res.body) {
        options.onRefused(res.status);
        return 'refused';
      }
      const parser = createParser({
        onEvent: (event) => {
          failures = 0;
          if (event.id) lastEventId = event.id;
          options.onEvent(event);
        },
      });
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.feed(value);
      }
      // The server ends the stream after the final event; a close before it is a cut, retried.
      if (options.finished()) return 'ended';
      throw new Error('stream cut');
    } catch {
      if (options.signal.aborted) return 'aborted';
      failures += 1;
      if (failures > max) return 'gave_up';
      await new Promise((resolve) => setTimeout(resolve, (options.retryDelayMs ?? 1000) * failures));
    }
  }
  return 'aborted';
}
