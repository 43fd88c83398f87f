import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiClient } from '../../../src/cli/client/api-client.ts';
import { PollingProgressSource, type ScanSnapshot } from '../../../src/cli/client/progress.ts';
import { SseProgressSource } from '../../../src/cli/client/sse-progress.ts';

/** The API's side on 127.0.0.1, as the stream misbehaves: each test sets how it answers. */
let handler: (req: IncomingMessage, res: ServerResponse) => void;
let server: Server;
let origin: string;
const streamsOpened: (string | undefined)[] = [];
const KEY = `kr_live_${'k'.repeat(43)}`;
const ID = '7d3f0c4e-1c1a-4a53-9a49-0f3c8d0e9b11';

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url!.endsWith('/events')) streamsOpened.push(req.headers['last-event-id'] as string | undefined);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => (streamsOpened.length = 0));

const client = () => new ApiClient({ apiUrl: origin, key: KEY, org: 'o', project: 'p' }, { timeoutMs: 5_000 });
const scan = (status: ScanSnapshot['status'], slots: Record<string, string>): ScanSnapshot => ({
  id: ID,
  url: 'https://example.com/',
  status,
  scanner_status: Object.fromEntries(Object.entries(slots).map(([name, s]) => [name, { status: s }])),
  analysis: { status: 'pending' },
  summary: {},
  failure_reason: null,
  workflow_id: `scan-${ID}`,
});
const envelope = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
const frame = (id: number, event: string, data: unknown) => `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
const streamHead = (res: ServerResponse) => res.writeHead(200, { 'content-type': 'text/event-stream' });

async function collect(source: SseProgressSource): Promise<string[]> {
  const seen: string[] = [];
  for await (const s of source.watch(ID, AbortSignal.timeout(10_000))) {
    seen.push(`${s.status} ${Object.entries(s.scanner_status).map(([n, slot]) => `${n}:${slot.status}`).join(',')} ai:${s.analysis?.status}`);
  }
  return seen;
}

const finalScan = { ...scan('completed', { seo: 'done' }), analysis: { status: 'skipped' }, summary: { health_score: 90 } };
const EVENTS = [
  frame(1, 'scanner', { scanner: 'seo', status: 'running' }),
  frame(2, 'scanner', { scanner: 'seo', status: 'done' }),
  frame(3, 'analysis', { status: 'skipped', reason: 'no AI provider is configured' }),
  frame(4, 'completed', finalScan),
];

it('reads the stream from its first event, resumes a broken one with Last-Event-ID, and ends with the scan as the stream sends it', async () => {
  handler = (req, res) => {
    if (!req.url!.endsWith('/events')) return envelope(res, 200, { data: scan('running', { seo: 'done' }), error: null });
    const after = Number(req.headers['last-event-id'] ?? 0);
    streamHead(res);
    if (after === 0) {
      // Two events, a heartbeat, then the connection drops (a proxy, a restart).
      res.write(': heartbeat\n\n' + EVENTS[0]! + EVENTS[1]!);
      setTimeout(() => res.destroy(), 50);
      return;
    }
    res.end(EVENTS.slice(after).join(''));
  };
  const notices: string[] = [];
  const states = await collect(new SseProgressSource(client(), { reconnectDelayMs: 10, onNotice: (m) => notices.push(m) }));
  expect(streamsOpened).toEqual(['0', '2']);
  // From the queued state, whatever the GET said: every change once, in order.
  expect(states).toEqual(['running seo:running ai:pending', 'running seo:done ai:pending', 'running seo:done ai:skipped', 'completed seo:done ai:skipped']);
  expect(notices).toEqual([expect.stringMatching(/broke|ended early/)]);
});

it('falls back to polling when the stream is refused (an older instance) or keeps failing', async () => {
  let polls = 0;
  handler = (req, res) => {
    if (req.url!.endsWith('/events')) return envelope(res, 404, { data: null, error: { code: 'not_found', message: 'Not found' } });
    polls++;
    envelope(res, 200, { data: polls < 3 ? scan('running', { seo: 'running' }) : finalScan, error: null });
  };
  const notices: string[] = [];
  const source = new SseProgressSource(client(), { onNotice: (m) => notices.push(m), fallback: new PollingProgressSource(client(), 10) });
  const states = await collect(source);
  expect(streamsOpened).toHaveLength(1);
  expect(notices).toEqual([expect.stringContaining('polling instead')]);
  expect(states.at(-1)).toBe('completed seo:done ai:skipped');

  // A stream that opens and closes without an event, every time.
  handler = (req, res) => {
    if (req.url!.endsWith('/events')) return streamHead(res).end(': nothing\n\n');
    envelope(res, 200, { data: streamsOpened.length > 2 ? finalScan : scan('running', { seo: 'running' }), error: null });
  };
  notices.length = 0;
  streamsOpened.length = 0;
  const again = await collect(new SseProgressSource(client(), { maxReconnects: 2, reconnectDelayMs: 10, onNotice: (m) => notices.push(m), fallback: new PollingProgressSource(client(), 10) }));
  expect(streamsOpened).toEqual(['0', '0', '0']);
  expect(notices.at(-1)).toContain('keeps failing; polling instead');
  expect(again.at(-1)).toBe('completed seo:done ai:skipped');
});

it('204 (nothing more to come) reads the scan once more and stops', async () => {
  let gets = 0;
  handler = (req, res) => {
    if (req.url!.endsWith('/events')) return void res.writeHead(204).end();
    gets++;
    envelope(res, 200, { data: gets === 1 ? scan('running', { seo: 'done' }) : finalScan, error: null });
  };
  expect(await collect(new SseProgressSource(client()))).toEqual(['completed seo:done ai:skipped']);
  expect(gets).toBe(2);
});
