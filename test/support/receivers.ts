import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The status it was answered with (null: held, never answered). */
  answered: number | null;
}

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** Statuses for the next requests, in order; once used up, `fallback` (200). */
  script: number[];
  fallback: number;
  /** While set, a request is read whole and never answered (a receiver mid-processing). */
  hold: boolean;
  /** Resolves when `n` requests have arrived in all. */
  waitFor(n: number): Promise<void>;
  /** Drops the held connections (as a dying peer's sockets are). */
  releaseHeld(): void;
  close(): Promise<void>;
}

/**
 * An HTTP receiver on 127.0.0.1 that keeps every request: a webhook endpoint, or Slack's incoming
 * webhook (which answers 200 "ok", and 4xx such as 404 "no_service" for a revoked hook).
 */
export async function startReceiver(kind: 'webhook' | 'slack' = 'webhook'): Promise<Receiver> {
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const held: ServerResponse[] = [];
  const receiver = { requests: [] as ReceivedRequest[], script: [] as number[], fallback: 200, hold: false } as Receiver;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry: ReceivedRequest = { path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), answered: null };
      receiver.requests.push(entry);
      for (const w of waiters.filter((w) => receiver.requests.length >= w.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      if (receiver.hold) return void held.push(res);
      const status = receiver.script.shift() ?? receiver.fallback;
      entry.answered = status;
      const text = kind === 'slack' ? (status === 200 ? 'ok' : status === 404 ? 'no_service' : 'error') : status < 300 ? '{"received":true}' : '{"error":"nope"}';
      res.writeHead(status, { 'content-type': kind === 'slack' ? 'text/plain' : 'application/json' }).end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${kind === 'slack' ? 'services/T000/B000/XXXX' : 'hooks/sitewarden'}`;
  receiver.waitFor = (n) => (receiver.requests.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve })));
  receiver.releaseHeld = () => held.splice(0).forEach((res) => res.destroy());
  receiver.close = async () => {
    receiver.releaseHeld();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return receiver;
}

/** The distinct event ids a webhook receiver saw: what a receiver deduping on `id` processes. */
export const distinctEventIds = (r: Receiver) => new Set(r.requests.map((q) => (JSON.parse(q.body) as { id: string }).id));
