import { call } from '../support/http.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { createTenant, type Tenant } from '../support/tenants.ts';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    RATE_LIMIT_DEFAULT_MAX: '6',
    RATE_LIMIT_DEFAULT_WINDOW_SECONDS: '60',
    RATE_LIMIT_STRICT_MAX: '2',
    RATE_LIMIT_STRICT_WINDOW_SECONDS: '60',
  }, { worker: false });
});
afterAll(() => stack.close());

const tenant = (): Promise<Tenant> => createTenant(stack.db.prisma, stack.baseUrl);

it('counts the default bucket per org and answers 429 with the flat Krafter body', async () => {
  const t = await tenant();
  const remaining: number[] = [];
  for (let i = 0; i < 6; i++) {
    const res = await call('GET', `${t.audit}/scans`, { key: t.readKey });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ratelimit-limit')).toBe('6');
    remaining.push(Number(res.headers.get('x-ratelimit-remaining')));
  }
  expect(remaining).toEqual([5, 4, 3, 2, 1, 0]);

  const limited = await call('GET', `${t.audit}/scans`, { key: t.writeKey });
  expect(limited.status).toBe(429);
  expect(limited.body).toEqual({ error: 'Rate limit exceeded', retry_after: expect.any(Number) });
  const retryAfter = Number(limited.headers.get('retry-after'));
  expect(retryAfter).toBe(limited.body.retry_after);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
  const reset = Number(limited.headers.get('x-ratelimit-reset'));
  expect(reset).toBeGreaterThan(Date.now() / 1000);
  expect(reset).toBeLessThanOrEqual(Date.now() / 1000 + 61);

  // Another org has its own budget.
  const other = await tenant();
  expect((await call('GET', `${other.audit}/scans`, { key: other.readKey })).status).toBe(200);
});

it('runs scans/run through both buckets, shows the strict one, and counts both', async () => {
  const t = await tenant();
  const first = await call('POST', `${t.audit}/scans/run`, { key: t.writeKey, body: { url: 'https://example.com/' } });
  expect(first.status).toBe(202);
  expect(first.headers.get('x-ratelimit-limit')).toBe('2');
  expect(first.headers.get('x-ratelimit-remaining')).toBe('1');
  expect((await call('POST', `${t.audit}/scans/run`, { key: t.writeKey, body: { url: 'https://example.com/' } })).status).toBe(202);

  const limited = await call('POST', `${t.audit}/scans/run`, { key: t.writeKey, body: { url: 'https://example.com/' } });
  expect(limited.status).toBe(429);
  expect(limited.body).toEqual({ error: 'Rate limit exceeded', retry_after: expect.any(Number) });
  expect(limited.headers.get('x-ratelimit-limit')).toBe('2');
  expect(await stack.db.prisma.scanRun.count({ where: { org_id: t.orgId } })).toBe(2);

  // The three scan calls used three of the six default points.
  const read = await call('GET', `${t.audit}/scans`, { key: t.readKey });
  expect(read.headers.get('x-ratelimit-limit')).toBe('6');
  expect(read.headers.get('x-ratelimit-remaining')).toBe('2');
});

it('shares the counters between API processes', async () => {
  const t = await tenant();
  const secondApi = await stack.startAnotherApi();
  const viaSecond = `${secondApi}/api/v1/orgs/${t.orgId}/projects/${t.projectId}/audit/scans`;
  for (let i = 0; i < 3; i++) expect((await call('GET', `${t.audit}/scans`, { key: t.readKey })).status).toBe(200);
  for (let i = 0; i < 3; i++) expect((await call('GET', viaSecond, { key: t.readKey })).status).toBe(200);
  expect((await call('GET', viaSecond, { key: t.readKey })).status).toBe(429);
  expect((await call('GET', `${t.audit}/scans`, { key: t.readKey })).status).toBe(429);
});

it('limits per org even when the path names another org (and still answers 404 there)', async () => {
  const t = await tenant();
  const other = await tenant();
  for (let i = 0; i < 6; i++) expect((await call('GET', `${other.audit}/scans`, { key: t.readKey })).status).toBe(404);
  expect((await call('GET', `${t.audit}/scans`, { key: t.readKey })).status).toBe(429);
  expect((await call('GET', `${other.audit}/scans`, { key: other.readKey })).status).toBe(200);
});
