import { randomUUID } from 'node:crypto';
import { createKey } from '../../src/admin/tenants.ts';
import { call } from '../support/http.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { createTenant, type Tenant } from '../support/tenants.ts';

let stack: Stack;
let alice: Tenant;
let bob: Tenant;

beforeAll(async () => {
  stack = await startStack({ SITEWARDEN_ALLOW_PRIVATE_HOSTS: '' }, { worker: false });
  alice = await createTenant(stack.db.prisma, stack.baseUrl);
  bob = await createTenant(stack.db.prisma, stack.baseUrl);
});
afterAll(() => stack.close());

const scanBody = { url: 'https://example.com/' };

function expectErrorEnvelope(res: { body: any; text: string }, code: string) {
  expect(res.body).toEqual({ data: null, meta: { request_id: expect.any(String) }, error: expect.objectContaining({ code, message: expect.any(String) }) });
  expect(res.text).not.toMatch(/\bat .+\.(ts|js):\d+/);
}

/** Every audit route this build serves, with a body that would be valid. */
function routes(t: Tenant, scanId = randomUUID()) {
  return [
    { method: 'POST', path: `${t.audit}/scans/run`, body: scanBody, write: true },
    { method: 'GET', path: `${t.audit}/scans`, write: false },
    { method: 'GET', path: `${t.audit}/scans/${scanId}`, write: false },
    { method: 'GET', path: `${t.audit}/scans/${scanId}/events`, write: false },
  ];
}

describe('authentication', () => {
  const badKeys: Array<[string, Record<string, string>]> = [
    ['no header', {}],
    ['not bearer', { authorization: 'Basic abc' }],
    ['malformed key', { authorization: 'Bearer kr_live_short' }],
    ['well-formed unknown key', { authorization: `Bearer kr_live_${'A'.repeat(43)}` }],
  ];

  it.each(badKeys)('401 in the envelope for %s on every route', async (_name, headers) => {
    for (const route of routes(alice)) {
      const res = await call(route.method, route.path, { headers, body: route.body });
      expect(res.status).toBe(401);
      expectErrorEnvelope(res, 'unauthorized');
    }
  });

  it('401 for an expired key, and the key works before it expires', async () => {
    const key = await createKey(stack.db.prisma, { orgId: alice.orgId, scopes: ['audit:read'], expiresInMs: 1_000 });
    expect((await call('GET', `${alice.audit}/scans`, { key: key.key })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1_100));
    const res = await call('GET', `${alice.audit}/scans`, { key: key.key });
    expect(res.status).toBe(401);
    expectErrorEnvelope(res, 'unauthorized');
  });

  it('401 for a revoked key', async () => {
    const key = await createKey(stack.db.prisma, { orgId: alice.orgId, scopes: ['audit:read'] });
    await stack.db.prisma.apiKey.update({ where: { id: key.id }, data: { revoked_at: new Date() } });
    expect((await call('GET', `${alice.audit}/scans`, { key: key.key })).status).toBe(401);
  });

  it('records last_used_at', async () => {
    const key = await createKey(stack.db.prisma, { orgId: alice.orgId, scopes: ['audit:read'] });
    await call('GET', `${alice.audit}/scans`, { key: key.key });
    const row = await stack.db.prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } });
    expect(row.last_used_at).toBeInstanceOf(Date);
  });
});

describe('scopes', () => {
  it('403 for a read-only key on write routes, and nothing is written', async () => {
    const before = await stack.db.prisma.scanRun.count({ where: { org_id: alice.orgId } });
    for (const route of routes(alice).filter((r) => r.write)) {
      const res = await call(route.method, route.path, { key: alice.readKey, body: route.body });
      expect(res.status).toBe(403);
      expectErrorEnvelope(res, 'forbidden');
    }
    expect(await stack.db.prisma.scanRun.count({ where: { org_id: alice.orgId } })).toBe(before);
  });

  it('a write key also reads', async () => {
    expect((await call('GET', `${alice.audit}/scans`, { key: alice.writeKey })).status).toBe(200);
  });
});

describe('tenancy', () => {
  it("404, never 403, for another org's org id on every route, with any key", async () => {
    for (const key of [alice.writeKey, alice.readKey]) {
      for (const route of routes(bob)) {
        const res = await call(route.method, route.path, { key, body: route.body });
        expect(res.status).toBe(404);
        expectErrorEnvelope(res, 'not_found');
      }
    }
  });

  it('404 for an unknown project of my own org and for malformed org ids', async () => {
    const paths = [
      `${stack.baseUrl}/api/v1/orgs/${alice.orgId}/projects/nope/audit/scans`,
      `${stack.baseUrl}/api/v1/orgs/not-a-uuid/projects/${alice.projectId}/audit/scans`,
      `${stack.baseUrl}/api/v1/orgs/${alice.orgId}/projects/${bob.projectId}x/audit/scans`,
    ];
    for (const path of paths) {
      const res = await call('GET', path, { key: alice.writeKey });
      expect(res.status).toBe(404);
      expectErrorEnvelope(res, 'not_found');
    }
  });

  it("404 for another org's scan read through my own path", async () => {
    const created = await call('POST', `${bob.audit}/scans/run`, { key: bob.writeKey, body: scanBody });
    expect(created.status).toBe(202);
    const res = await call('GET', `${alice.audit}/scans/${created.body.data.id}`, { key: alice.writeKey });
    expect(res.status).toBe(404);
    expectErrorEnvelope(res, 'not_found');
    const list = await call('GET', `${alice.audit}/scans`, { key: alice.writeKey });
    expect(list.body.data.map((s: { id: string }) => s.id)).not.toContain(created.body.data.id);
  });

  it('404 for a scan id that is not a uuid', async () => {
    const res = await call('GET', `${alice.audit}/scans/123`, { key: alice.readKey });
    expect(res.status).toBe(404);
  });

  it('404 in the envelope for unknown routes', async () => {
    const res = await call('GET', `${alice.audit}/nothing-here`, { key: alice.readKey });
    expect(res.status).toBe(404);
    expectErrorEnvelope(res, 'not_found');
    const outside = await call('GET', `${stack.baseUrl}/nope`);
    expect(outside.status).toBe(404);
    expectErrorEnvelope(outside, 'not_found');
  });
});

describe('input errors', () => {
  async function expectNothingWritten(action: () => Promise<void>) {
    const before = await stack.db.prisma.scanRun.count({ where: { org_id: alice.orgId } });
    await action();
    expect(await stack.db.prisma.scanRun.count({ where: { org_id: alice.orgId } })).toBe(before);
  }

  it('400 bad_request for malformed JSON', async () => {
    await expectNothingWritten(async () => {
      const res = await call('POST', `${alice.audit}/scans/run`, { key: alice.writeKey, body: '{"url": "https://example.com/",' });
      expect(res.status).toBe(400);
      expectErrorEnvelope(res, 'bad_request');
    });
  });

  it('400 bad_request for a body that is not a JSON object', async () => {
    for (const body of ['[]', '"text"', '42', 'null']) {
      const res = await call('POST', `${alice.audit}/scans/run`, { key: alice.writeKey, body });
      expect(res.status).toBe(400);
      expectErrorEnvelope(res, 'bad_request');
    }
    const noBody = await call('POST', `${alice.audit}/scans/run`, { key: alice.writeKey });
    expect(noBody.status).toBe(400);
  });

  it('422 invalid_params naming each failing field, unknown fields included', async () => {
    await expectNothingWritten(async () => {
      const res = await call('POST', `${alice.audit}/scans/run`, {
        key: alice.writeKey,
        body: { url: 42, trigger: 'sometimes', colour: 'blue' },
      });
      expect(res.status).toBe(422);
      expectErrorEnvelope(res, 'invalid_params');
      expect(Object.keys(res.body.error.details).sort()).toEqual(['colour', 'trigger', 'url']);
      expect(res.body.error.message).toContain('url');
    });
  });

  it('422 for a URL the SSRF guard refuses, with the reason', async () => {
    for (const url of ['http://localhost/', 'http://169.254.169.254/latest/meta-data/', 'ftp://example.com/', 'http://2130706433/']) {
      await expectNothingWritten(async () => {
        const res = await call('POST', `${alice.audit}/scans/run`, { key: alice.writeKey, body: { url } });
        expect(res.status).toBe(422);
        expectErrorEnvelope(res, 'invalid_params');
        expect(res.body.error.details.url[0]).toEqual(expect.any(String));
      });
    }
  });

  it('422 for bad list parameters', async () => {
    for (const query of ['limit=0', 'limit=201', 'limit=abc', 'cursor=bm90LWEtY3Vyc29y', 'sort=asc']) {
      const res = await call('GET', `${alice.audit}/scans?${query}`, { key: alice.readKey });
      expect(res.status).toBe(422);
      expectErrorEnvelope(res, 'invalid_params');
    }
  });
});

describe('envelopes and request ids', () => {
  it('every response carries a request id, in the body and the header', async () => {
    const responses = [
      await call('GET', `${alice.audit}/scans`, { key: alice.readKey }),
      await call('GET', `${alice.audit}/scans`),
      await call('GET', `${stack.baseUrl}/healthz`),
    ];
    for (const res of responses) {
      expect(res.body.meta.request_id).toMatch(/^\S{8,}$/);
      expect(res.headers.get('x-request-id')).toBe(res.body.meta.request_id);
    }
    expect(new Set(responses.map((r) => r.body.meta.request_id)).size).toBe(3);
  });

  it('keeps a well-formed incoming x-request-id', async () => {
    const res = await call('GET', `${alice.audit}/scans`, { key: alice.readKey, headers: { 'x-request-id': 'trace-1234abcd' } });
    expect(res.body.meta.request_id).toBe('trace-1234abcd');
  });

  it('success bodies are {data, meta, error: null}', async () => {
    const res = await call('GET', `${alice.audit}/scans`, { key: alice.readKey });
    expect(res.body).toEqual({ data: expect.any(Array), meta: { request_id: expect.any(String), total: expect.any(Number), next_cursor: null }, error: null });
  });

  it('never answers with the Express signature header', async () => {
    const res = await call('GET', `${stack.baseUrl}/healthz`);
    expect(res.headers.get('x-powered-by')).toBeNull();
  });
});

describe('health', () => {
  it('/healthz and /readyz are 200 when PostgreSQL and Temporal answer', async () => {
    expect((await call('GET', `${stack.baseUrl}/healthz`)).status).toBe(200);
    const ready = await call('GET', `${stack.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.body.data.checks).toEqual({ database: 'ok', temporal: 'ok' });
  });
});
