import { followEventStream } from '../../../web/src/lib/sse.ts';

/** A fetch whose answers are scripted: each call gets the next body (cut short or whole). */
function scriptedFetch(bodies: Array<{ status?: number; chunks: string[]; error?: boolean }>) {
  const calls: Array<Record<string, string>> = [];
  const fake = (async (_url: string, init: { headers: Record<string, string> }) => {
    calls.push(init.headers);
    const next = bodies.shift();
    if (!next) throw new TypeError('no more answers');
    // One chunk per read, then the cut (an error discards what is still queued, so it comes last).
    const chunks = [...next.chunks];
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const chunk = chunks.shift();
        if (chunk !== undefined) controller.enqueue(new TextEncoder().encode(chunk));
        else if (next.error) controller.error(new Error('connection reset'));
        else controller.close();
      },
    });
    return new Response(next.status === 204 ? null : stream, { status: next.status ?? 200 });
  }) as unknown as typeof fetch;
  return { fake, calls };
}

describe('following a scan event stream over fetch', () => {
  it('sends the key in a header, resumes after a cut with Last-Event-ID, and stops after the final event', async () => {
    const events: string[] = [];
    let final = false;
    const { fake, calls } = scriptedFetch([
      { chunks: ['id: 1\nevent: scanner\ndata: {"scanner":"seo","status":"running"}\n\n', 'id: 2\nevent: scan'], error: true },
      { chunks: ['id: 3\nevent: completed\ndata: {}\n\n'] },
    ]);
    const outcome = await followEventStream({
      url: 'http://127.0.0.1/x',
      headers: { authorization: 'Bearer k' },
      signal: new AbortController().signal,
      finished: () => final,
      onEvent: (e) => {
        events.push(`${e.id}:${e.event}`);
        if (e.event === 'completed') final = true;
      },
      onRefused: () => undefined,
      fetch: fake,
      retryDelayMs: 1,
    });
    expect(outcome).toBe('ended');
    expect(events).toEqual(['1:scanner', '3:completed']);
    expect(calls.map((h) => [h.authorization, h['last-event-id']])).toEqual([
      ['Bearer k', undefined],
      ['Bearer k', '1'],
    ]);
  });

  it('treats a clean close before the final event as a cut', async () => {
    let final = false;
    const { fake, calls } = scriptedFetch([{ chunks: ['id: 5\nevent: scanner\ndata: {}\n\n'] }, { chunks: ['id: 6\nevent: failed\ndata: {}\n\n'] }]);
    const outcome = await followEventStream({
      url: 'u',
      headers: {},
      signal: new AbortController().signal,
      finished: () => final,
      onEvent: (e) => void (e.event === 'failed' && (final = true)),
      onRefused: () => undefined,
      fetch: fake,
      retryDelayMs: 1,
    });
    expect(outcome).toBe('ended');
    expect(calls[1]!['last-event-id']).toBe('5');
  });

  it('does not retry a refusal, and gives up after the retry budget', async () => {
    const refused: number[] = [];
    const a = scriptedFetch([{ status: 404, chunks: [] }]);
    const base = { url: 'u', headers: {}, signal: new AbortController().signal, finished: () => false, onEvent: () => undefined, retryDelayMs: 1 };
    await expect(followEventStream({ ...base, onRefused: (s) => refused.push(s), fetch: a.fake })).resolves.toBe('refused');
    expect([refused, a.calls.length]).toEqual([[404], 1]);
    const b = scriptedFetch([]);
    await expect(followEventStream({ ...base, onRefused: () => undefined, fetch: b.fake, maxRetries: 2 })).resolves.toBe('gave_up');
    expect(b.calls.length).toBe(3);
  });
});
