import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseHostAllowlist } from '../../../src/gather/ssrf/host-allowlist.ts';
import { createTrackerTransport, type TrackerTransport } from '../../../src/integrations/transport.ts';

// The tracker SDKs' transport on its own: what the scope routes, what it leaves alone, redirects.

/** Node's own fetch, before any transport wraps the global one. */
const nodeFetch = globalThis.fetch;

let server: Server;
let port: number;
const seen: string[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.url ?? '');
    if (req.url === '/redirect') res.writeHead(302, { location: `http://127.0.0.1:${port}/elsewhere` }).end();
    else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve))));

const transports: TrackerTransport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
  seen.length = 0;
});

function transport(answers: Record<string, string[]>, allow = '127.0.0.1') {
  const questions: string[] = [];
  const made = createTrackerTransport({ allowlist: parseHostAllowlist(allow), resolve: async (host) => (questions.push(host), answers[host] ?? []) }, 5_000);
  transports.push(made);
  return { made, questions };
}

it('routes the global fetch through the guard inside a scope only', async () => {
  const { made, questions } = transport({ 'api.rebound.example': ['127.0.0.1'] });
  // Inside: the name is looked up by the guard's resolver and refused (loopback, not listed).
  const inside = await made.scope(() => fetch(`http://api.rebound.example:${port}/in`)).then(
    () => 'answered',
    () => 'refused',
  );
  expect(inside).toBe('refused');
  expect(made.takeRefusal()).toBe('api.rebound.example resolves to a private or reserved address range (loopback)');
  expect(made.takeRefusal()).toBeUndefined();
  expect(questions).toEqual(['api.rebound.example']);
  // Outside: the process's fetch, untouched (no resolver asked).
  expect((await fetch(`http://127.0.0.1:${port}/out`)).status).toBe(200);
  expect(questions).toEqual(['api.rebound.example']);
  expect(seen).toEqual(['/out']);
});

it.each([
  ['goes straight to Node\'s fetch', (_previous: typeof fetch) => nodeFetch],
  ['calls the one it replaced', (previous: typeof fetch) => previous],
])('guards a scoped call after globalThis.fetch was replaced by one that %s', async (_what, inner) => {
  const { made, questions } = transport({ 'api.rebound.example': ['127.0.0.1'] });
  const previous = globalThis.fetch;
  const next = inner(previous);
  globalThis.fetch = ((input: Parameters<typeof fetch>[0], init?: RequestInit) => next(input, init)) as typeof fetch;
  try {
    await expect(made.scope(() => fetch(`http://api.rebound.example:${port}/in`))).rejects.toThrow();
    expect(questions).toEqual(['api.rebound.example']);
    expect(made.takeRefusal()).toMatch(/loopback/);
    // A listed address still answers through the same chain, without looping back into the scope.
    expect((await made.scope(() => fetch(`http://127.0.0.1:${port}/listed`))).status).toBe(200);
    expect(seen).toEqual(['/listed']);
  } finally {
    globalThis.fetch = previous;
  }
});

it('lets a listed name through to the address the guard judged, and never follows a redirect', async () => {
  const { made, questions } = transport({ 'tracker.listed.example': ['127.0.0.1'] }, '127.0.0.1, tracker.listed.example');
  const ok = await made.fetch(`http://tracker.listed.example:${port}/ok`);
  expect(await ok.text()).toBe('ok');
  expect(questions).toEqual(['tracker.listed.example']);
  const redirect = await made.fetch(`http://tracker.listed.example:${port}/redirect`);
  expect(redirect.status).toBe(302);
  expect(seen).toEqual(['/ok', '/redirect']);
});
