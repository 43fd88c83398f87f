import { createServer, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { quotaPeriod } from '../../src/services/ai-quota.ts';
import { call, eventually } from '../support/http.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { createTenant } from '../support/tenants.ts';

const PAGE = '<!doctype html><html lang="en"><head><title>Failure path page</title></head><body><h1>Hello</h1></body></html>';

/** A site that answers until `hang` is set, then holds every request (a server that stopped answering). */
let hang = false;
const held: ServerResponse[] = [];
let hits = 0;
let site: Server;
let siteUrl: string;
let stack: Stack;

beforeAll(async () => {
  site = createServer((_req, res) => {
    hits++;
    if (hang) held.push(res);
    else res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
  // A fetch would wait a minute: only the failure path can settle the verification within the test.
  stack = await startStack({ SCAN_FETCH_TIMEOUT_MS: '60000', VERIFICATION_DECISION_WINDOW_SECONDS: '2' });
});
afterAll(async () => {
  held.forEach((res) => res.destroy());
  await stack.close();
  site.closeAllConnections();
  await new Promise((resolve) => site.close(resolve));
});

it('a verification whose evaluation is abandoned is failed with the reason, its AI unit refunded, and the task free again', async () => {
  const t = await createTenant(stack.db.prisma, stack.baseUrl);
  const scan = await call('POST', `${t.audit}/scans/run`, { key: t.writeKey, body: { url: siteUrl, scanners: ['security'] } });
  await stack.temporal.client.workflow.getHandle(scan.body.data.workflow_id).result();
  const findings = await call('GET', `${t.audit}/findings?domain=security`, { key: t.readKey });
  const finding = findings.body.data.find((f: { check_id: string }) => f.check_id === 'security.csp_missing');
  const task = await call('POST', `${t.audit}/tasks`, { key: t.writeKey, body: { finding_id: finding.id } });
  expect(task.status).toBe(201);

  hang = true;
  const before = hits;
  const started = await call('POST', `${t.audit}/verifications/run`, { key: t.writeKey, body: { task_id: task.body.data.id } });
  expect(started.status).toBe(202);
  const id: string = started.body.data.id;
  // The run spent a unit of this period (as it does with an AI provider configured).
  const period = quotaPeriod(stack.config.AI_QUOTA_PERIOD, new Date()).start;
  await stack.db.prisma.aiQuota.create({ data: { org_id: t.orgId, period_start: period, units_limit: 5, units_used: 1 } });
  await stack.db.prisma.verification.update({ where: { id }, data: { ai_charged_period: period } });
  await eventually(async () => hits, (n) => n > before, 10_000);
  expect((await call('POST', `${t.audit}/verifications/run`, { key: t.writeKey, body: { task_id: task.body.data.id } })).status).toBe(409);

  // The evaluation is abandoned (an operator cancels it; retries spent take the same path).
  await stack.temporal.client.workflow.getHandle(started.body.data.workflow_id).cancel();
  const done = await eventually(
    () => call('GET', `${t.audit}/verifications/${id}`, { key: t.readKey }),
    (r) => r.body.data.result !== 'pending',
    15_000,
  );
  expect(done.body.data.result).toBe('failed');
  expect(done.body.data.checks).toEqual([
    expect.objectContaining({ key: 'security_header_csp', after: 'failed', status: 'failed', detail: expect.stringMatching(/^evaluation failed: .+/) }),
  ]);
  const quota = await stack.db.prisma.aiQuota.findUniqueOrThrow({ where: { org_id_period_start: { org_id: t.orgId, period_start: period } } });
  expect(quota.units_used).toBe(0);

  // Nothing left pending: the task takes a new verification.
  hang = false;
  held.forEach((res) => res.destroy());
  const again = await call('POST', `${t.audit}/verifications/run`, { key: t.writeKey, body: { task_id: task.body.data.id } });
  expect(again.status).toBe(202);
  await eventually(
    () => call('GET', `${t.audit}/verifications/${again.body.data.id}`, { key: t.readKey }),
    (r) => r.body.data.result !== 'pending',
  );
}, 60_000);
