import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A ticket as the fake tracker holds it. */
export interface FakeTicket {
  /** The tracker's own id (number, iid, key or node id). */
  id: string;
  key: string;
  title: string;
  body: unknown;
  state: 'open' | 'closed';
  /** The labels it carries (GitHub, GitLab, Jira): the idempotency marker among them. */
  labels?: string[];
}

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export type FakeAnswer = { status: number; body?: unknown; headers?: Record<string, string> };

export interface FakeTracker {
  url: string;
  tickets: FakeTicket[];
  /** Every request, method and path: what the SDK sent. */
  requests: Array<{ method: string; path: string }>;
  /** The next `count` requests answer `status` (an outage, a rate limit). */
  failNext(count: number, status: number): void;
  /**
   * The next request that `match` picks is carried out (a create creates), then its connection is
   * dropped without an answer: the answer lost on the way back.
   */
  loseNextAnswer(match: (req: FakeRequest) => boolean): void;
  close(): Promise<void>;
}

/**
 * A local HTTP server for a tracker fake: JSON in, JSON out, on 127.0.0.1 only. `route` is the
 * provider's API; this holds the bookkeeping every fake shares.
 */
export async function startFakeServer(route: (req: FakeRequest, tickets: FakeTicket[]) => FakeAnswer | Promise<FakeAnswer>): Promise<FakeTracker> {
  const tickets: FakeTicket[] = [];
  const requests: Array<{ method: string; path: string }> = [];
  let failures = { count: 0, status: 500 };
  let lose: ((req: FakeRequest) => boolean) | undefined;
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    requests.push({ method: req.method ?? 'GET', path: url.pathname });
    let answer: FakeAnswer;
    if (failures.count > 0) {
      failures.count -= 1;
      answer = { status: failures.status, body: { message: 'fake outage' } };
    } else {
      let body: unknown = undefined;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = raw;
      }
      const request: FakeRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body };
      try {
        answer = await route(request, tickets);
      } catch (err) {
        answer = { status: 500, body: { message: String(err) } };
      }
      if (lose?.(request)) {
        lose = undefined;
        req.socket.destroy();
        return;
      }
    }
    const payload = answer.body === undefined ? '' : JSON.stringify(answer.body);
    res.writeHead(answer.status, { ...(payload ? { 'content-type': 'application/json; charset=utf-8' } : {}), ...answer.headers });
    res.end(payload);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tickets,
    requests,
    failNext: (count, status) => (failures = { count, status }),
    loseNextAnswer: (match) => (lose = match),
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}
