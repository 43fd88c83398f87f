import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiClient, ClientError } from '../../../src/cli/client/api-client.ts';
import { allFindings } from '../../../src/cli/client/findings.ts';

/** The API's side, on 127.0.0.1: each test sets how it answers. */
let handler: (req: IncomingMessage, res: ServerResponse) => void;
let server: Server;
let origin: string;
const seen: { method: string; url: string; authorization?: string }[] = [];
const KEY = `kr_live_${'k'.repeat(43)}`;

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => (seen.length = 0));

const client = (options: ConstructorParameters<typeof ApiClient>[1] = {}) => new ApiClient({ apiUrl: origin, key: KEY, org: 'o', project: 'p' }, options);
const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

it('retries 429 and 503 as retry-after asks, then returns the envelope', async () => {
  let n = 0;
  handler = (_req, res) => {
    n++;
    if (n === 1) return json(res, 429, { error: 'Rate limit exceeded', retry_after: 0 });
    if (n === 2) return json(res, 503, { data: null, error: { code: 'unavailable', message: 'try again' } }, { 'retry-after': '0' });
    return json(res, 202, { data: { id: 's1' }, meta: {}, error: null });
  };
  const retries: string[] = [];
  const { data } = await client({ onRetry: (m) => retries.push(m) }).call<{ id: string }>('POST', 'scans/run', { url: 'https://example.com/' });
  expect(data).toEqual({ id: 's1' });
  expect(retries).toEqual(['POST scans/run: 429, retrying in 0 s', 'POST scans/run: 503, retrying in 0 s']);
  expect(seen.map((s) => s.url)).toEqual(Array(3).fill('/api/v1/orgs/o/projects/p/audit/scans/run'));
  expect(seen.every((s) => s.authorization === `Bearer ${KEY}`)).toBe(true);
});

it('gives up after its retries with a clear error', async () => {
  handler = (_req, res) => json(res, 503, { data: null, error: { code: 'unavailable', message: 'down' } }, { 'retry-after': '0' });
  const err = await client({ retries: 2 }).call('GET', 'findings').catch((e) => e);
  expect(err).toBeInstanceOf(ClientError);
  expect(err.message).toBe('the API is busy (503 GET findings) and still was after 2 retries: down');
  expect(seen).toHaveLength(3);
});

it.each([
  [401, { data: null, error: { code: 'unauthorized', message: 'Invalid API key' } }, /API key was refused \(401\): check --key/],
  [403, { data: null, error: { code: 'forbidden', message: 'needs audit:write' } }, /may not do this \(403 POST reports\/export\)/],
  [422, { data: null, error: { code: 'invalid_params', message: 'x', details: { url: ['must be public'] } } }, /422 POST reports\/export\): url: must be public/],
  [502, '<html>bad gateway</html>', /answered 502 without the API's JSON envelope/],
])('a %i says what to check, never the key', async (status, body, message) => {
  handler = (_req, res) => (typeof body === 'string' ? res.writeHead(status).end(body) : json(res, status, body));
  const err = await client().call('POST', 'reports/export', { format: 'json' }).catch((e) => e);
  expect(err).toBeInstanceOf(ClientError);
  expect(err.message).toMatch(message);
  expect(err.message).not.toContain(KEY);
});

it('a request that gets no answer in time fails with the timeout', async () => {
  handler = () => undefined; // never answers
  const err = await client({ timeoutMs: 300 }).call('GET', 'findings').catch((e) => e);
  expect(err.message).toBe(`cannot reach the API at ${origin}: no answer within 0.3 s`);
});

it('allFindings follows the pages until meta.total', async () => {
  const total = 450;
  handler = (req, res) => {
    const q = new URL(req.url!, origin).searchParams;
    const offset = Number(q.get('offset'));
    const limit = Number(q.get('limit'));
    const page = Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, i) => ({ id: `f${offset + i}`, severity: q.get('severity') }));
    json(res, 200, { data: page, meta: { total, next_cursor: null }, error: null });
  };
  const found = await allFindings(client(), { severity: 'high', status: undefined });
  expect(found.map((f) => f.id)).toEqual(Array.from({ length: total }, (_, i) => `f${i}`));
  expect(seen.map((s) => s.url)).toEqual([0, 200, 400].map((o) => `/api/v1/orgs/o/projects/p/audit/findings?limit=200&severity=high&offset=${o}`));
});
