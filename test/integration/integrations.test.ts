import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { sealCredentials } from '../../src/integrations/connection.ts';
import type { Provider } from '../../src/integrations/providers.ts';
import { resolveInstanceSecret } from '../../src/platform/crypto.ts';
import { integrationSyncWorkflowId } from '../../src/services/integrations.ts';
import { reopenVerification } from '../../src/services/verification-decisions.ts';
import { call, eventually } from '../support/http.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { createTenant, type Tenant } from '../support/tenants.ts';
import type { FakeRequest, FakeTracker } from '../support/trackers/server.ts';
import { startFakeGitHub } from '../support/trackers/github.ts';
import { startFakeGitLab } from '../support/trackers/gitlab.ts';
import { startFakeJira } from '../support/trackers/jira.ts';
import { startFakeLinear } from '../support/trackers/linear.ts';

// POST integrations/:provider/connect and /sync end to end: the API, the sync workflow on a real
// Temporal server and PostgreSQL, each tracker's SDK against a fake of its API on 127.0.0.1.

/**
 * The worker's DNS, for the tracker SDKs' guard: a name answers its list of answers in turn, the
 * last one from then on. Names not listed fail (the base URLs of the other tests are IP literals).
 */
const dns = new Map<string, string[][]>();
const questions: string[] = [];
async function resolve(host: string): Promise<string[]> {
  questions.push(host);
  const answers = dns.get(host);
  if (!answers) throw new Error(`test resolver: ${host} is not listed`);
  return answers.length > 1 ? answers.shift()! : answers[0]!;
}

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({}, { resolve });
});
afterAll(() => stack.close());

interface TrackerCase {
  provider: Provider;
  start(): Promise<FakeTracker>;
  credentials: Record<string, unknown>;
  wrong: Record<string, unknown>;
  baseUrl(url: string): string;
  secret: string;
  /** Picks the request that creates a ticket. */
  isCreate(req: FakeRequest): boolean;
}

const CASES: TrackerCase[] = [
  {
    provider: 'github',
    start: () => startFakeGitHub({ token: 'ghp_integrationToken1', owner: 'acme', repo: 'website' }),
    credentials: { token: 'ghp_integrationToken1', owner: 'acme', repo: 'website' },
    wrong: { token: 'ghp_revokedToken00000', owner: 'acme', repo: 'website' },
    baseUrl: (url) => url,
    secret: 'ghp_integrationToken1',
    isCreate: (req) => req.method === 'POST' && req.path.endsWith('/issues'),
  },
  {
    provider: 'gitlab',
    start: () => startFakeGitLab({ token: 'glpat-integrationToken', projectId: 7, path: 'acme/website' }),
    credentials: { token: 'glpat-integrationToken', project_id: 7 },
    wrong: { token: 'glpat-revokedToken000', project_id: 7 },
    baseUrl: (url) => url,
    secret: 'glpat-integrationToken',
    isCreate: (req) => req.method === 'POST' && req.path.endsWith('/issues'),
  },
  {
    provider: 'jira',
    start: () => startFakeJira({ email: 'ops@acme.test', apiToken: 'jira-integrationToken', projectKey: 'WEB' }),
    credentials: { email: 'ops@acme.test', api_token: 'jira-integrationToken', project_key: 'WEB' },
    wrong: { email: 'ops@acme.test', api_token: 'jira-revokedToken0000', project_key: 'WEB' },
    baseUrl: (url) => url,
    secret: 'jira-integrationToken',
    isCreate: (req) => req.method === 'POST' && req.path === '/rest/api/3/issue',
  },
  {
    provider: 'linear',
    start: () => startFakeLinear({ apiKey: 'lin_api_integrationKey', teamId: 'team-web', teamKey: 'ENG' }),
    credentials: { api_key: 'lin_api_integrationKey', team_id: 'team-web' },
    wrong: { api_key: 'lin_api_revokedKey0000', team_id: 'team-web' },
    baseUrl: (url) => `${url}/graphql`,
    secret: 'lin_api_integrationKey',
    isCreate: (req) => String((req.body as { query?: string } | undefined)?.query).includes('mutation createIssue'),
  },
];

/** Findings as a scan leaves them (the scan pipeline has its own tests), with a task each through the API. */
async function tasks(t: Tenant, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const finding = await stack.db.prisma.finding.create({
      data: {
        org_id: t.orgId,
        project_id: t.projectId,
        domain: 'security',
        check_id: `security.check_${i}`,
        title: `Finding ${i} ${randomUUID()}`,
        description: `What is wrong, number ${i}`,
        severity: i === 0 ? 'critical' : 'medium',
        recommended_fix: { summary: 'Fix it', steps: ['Step one', 'Step two'] },
        affected_assets: [{ type: 'url', value: `https://example.test/page-${i}` }],
      },
    });
    const task = await call('POST', `${t.audit}/tasks`, { key: t.writeKey, body: { finding_id: finding.id } });
    expect(task.status).toBe(201);
    ids.push(task.body.data.id);
  }
  return ids;
}

const integrations = async (t: Tenant) => (await call('GET', `${t.audit}/integrations`, { key: t.readKey })).body.data as any[];
const rowOf = async (t: Tenant, provider: string) => (await integrations(t)).find((row) => row.provider === provider);

/** The latest sync's outcome, as its workflow returned it. */
const lastOutcome = (integrationId: string) => stack.temporal.client.workflow.getHandle(integrationSyncWorkflowId(integrationId)).result();

async function syncToEnd(t: Tenant, provider: string) {
  const started = await call('POST', `${t.audit}/integrations/${provider}/sync`, { key: t.writeKey });
  expect(started.status).toBe(202);
  expect(started.body.data.status).toBe('syncing');
  return eventually(() => rowOf(t, provider), (row) => row.status !== 'syncing', 60_000);
}

it('lists the eight providers, never-connected ones as Krafter placeholders', async () => {
  const t = await createTenant(stack.db.prisma, stack.baseUrl);
  const res = await call('GET', `${t.audit}/integrations`, { key: t.readKey });
  expect(res.status).toBe(200);
  expect(Object.keys(res.body.meta)).toEqual(['request_id']);
  expect(res.body.data.map((row: any) => row.provider)).toEqual(['ga4', 'gsc', 'sentry', 'github', 'gitlab', 'jira', 'linear', 'cloudflare']);
  for (const row of res.body.data) {
    expect(row).toEqual({ id: null, provider: row.provider, status: 'disconnected', credentials: {}, last_sync_at: null, inserted_at: null, updated_at: null });
  }
});

const connect = async (t: Tenant, provider: string, credentials: Record<string, unknown>, base: string) => {
  const res = await call('POST', `${t.audit}/integrations/${provider}/connect`, { key: t.writeKey, body: { credentials, base_url: base } });
  expect(res.status).toBe(200);
  return res.body.data.id as string;
};

describe.each(CASES)('$provider', ({ provider, start, credentials, wrong, baseUrl, secret, isCreate }) => {
  let fake: FakeTracker;
  beforeEach(async () => (fake = await start()));
  afterEach(() => fake.close());

  it('refuses wrong credentials with a 422 naming them, and stores nothing', async () => {
    const t = await createTenant(stack.db.prisma, stack.baseUrl);
    const res = await call('POST', `${t.audit}/integrations/${provider}/connect`, { key: t.writeKey, body: { credentials: wrong, base_url: baseUrl(fake.url) } });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('invalid_params');
    expect(res.body.error.details.credentials[0]).toMatch(/refused the credentials/);
    expect(res.text).not.toContain(String(Object.values(wrong).find((v) => String(v).includes('revoked'))));
    expect(await stack.db.prisma.integration.count({ where: { org_id: t.orgId } })).toBe(0);
    expect((await rowOf(t, provider)).status).toBe('disconnected');
  });

  it('connects, pushes open tasks once, updates edited ones and closes done ones on a re-sync', async () => {
    const t = await createTenant(stack.db.prisma, stack.baseUrl);
    const connected = await call('POST', `${t.audit}/integrations/${provider}/connect`, { key: t.writeKey, body: { credentials, base_url: baseUrl(fake.url) } });
    expect(connected.status).toBe(200);
    expect(connected.body.data).toMatchObject({ provider, status: 'connected', last_sync_at: null, org_id: t.orgId, project_id: t.projectId });
    expect(connected.body.data).not.toHaveProperty('credentials');
    expect(connected.text).not.toContain(secret);
    const stored = await stack.db.prisma.integration.findFirstOrThrow({ where: { org_id: t.orgId, provider: provider as never } });
    expect(stored.credentials_encrypted).toMatch(/^v1:/);
    expect(stored.credentials_encrypted).not.toContain(secret);
    expect(JSON.stringify(await integrations(t))).not.toContain(secret);

    const [first, second, third] = await tasks(t, 3);
    const afterFirst = await syncToEnd(t, provider);
    expect(afterFirst).toMatchObject({ status: 'connected', last_error: null });
    expect(afterFirst.last_sync_at).not.toBeNull();
    expect(fake.tickets).toHaveLength(3);
    expect(fake.tickets.every((ticket) => ticket.state === 'open')).toBe(true);
    const keys = await stack.db.prisma.integrationTicket.findMany({ where: { integration_id: stored.id }, orderBy: { created_at: 'asc' } });
    expect(keys.map((k) => k.external_key).sort()).toEqual(fake.tickets.map((ticket) => ticket.key).sort());
    const task = await call('GET', `${t.audit}/tasks/${first}`, { key: t.readKey });
    expect(fake.tickets.map((ticket) => ticket.key)).toContain(task.body.data.external_ticket_key);

    // The first task is done (a verification approved it: remediation.test.ts drives that path);
    // the second is renamed; the third is unchanged.
    await stack.db.prisma.task.update({ where: { id: first }, data: { status: 'done' } });
    expect((await call('PATCH', `${t.audit}/tasks/${second}`, { key: t.writeKey, body: { title: 'Renamed by a person' } })).status).toBe(200);
    const writesBefore = fake.requests.length;
    const afterSecond = await syncToEnd(t, provider);
    expect(afterSecond.status).toBe('connected');
    expect(new Date(afterSecond.last_sync_at).getTime()).toBeGreaterThanOrEqual(new Date(afterFirst.last_sync_at).getTime());
    expect(fake.tickets).toHaveLength(3);
    const ticketOf = async (taskId: string) => {
      const row = await stack.db.prisma.integrationTicket.findUniqueOrThrow({ where: { integration_id_task_id: { integration_id: stored.id, task_id: taskId } } });
      return { row, ticket: fake.tickets.find((ticket) => ticket.key === row.external_key)! };
    };
    expect((await ticketOf(first!)).ticket.state).toBe('closed');
    expect((await ticketOf(first!)).row.state).toBe('closed');
    expect((await ticketOf(second!)).ticket).toMatchObject({ title: 'Renamed by a person', state: 'open' });
    expect((await ticketOf(third!)).ticket.state).toBe('open');
    expect(fake.requests.length).toBeGreaterThan(writesBefore);
    expect(await lastOutcome(stored.id)).toEqual({ status: 'connected', tickets: { created: 0, adopted: 0, updated: 1, unchanged: 1, closed: 1, reopened: 0, skipped: 0 } });

    // A third sync finds nothing to change: no ticket is written, none made.
    expect((await syncToEnd(t, provider)).status).toBe('connected');
    expect(await lastOutcome(stored.id)).toEqual({ status: 'connected', tickets: { created: 0, adopted: 0, updated: 0, unchanged: 2, closed: 0, reopened: 0, skipped: 0 } });
    expect(fake.tickets).toHaveLength(3);

    // Someone deletes the third ticket in the tracker; the task changes: it gets a new ticket.
    const deleted = (await ticketOf(third!)).ticket;
    fake.tickets.splice(fake.tickets.indexOf(deleted), 1);
    expect((await call('PATCH', `${t.audit}/tasks/${third}`, { key: t.writeKey, body: { title: 'Renamed after the ticket was deleted' } })).status).toBe(200);
    expect((await syncToEnd(t, provider)).status).toBe('connected');
    expect(await lastOutcome(stored.id)).toEqual({ status: 'connected', tickets: { created: 1, adopted: 0, updated: 0, unchanged: 1, closed: 0, reopened: 0, skipped: 0 } });
    expect(fake.tickets).toHaveLength(3);
    expect((await ticketOf(third!)).ticket).toMatchObject({ title: 'Renamed after the ticket was deleted', state: 'open' });
  });

  it('makes exactly one ticket when the tracker made it but its answer was lost, and links the task to it', async () => {
    const t = await createTenant(stack.db.prisma, stack.baseUrl);
    const integrationId = await connect(t, provider, credentials, baseUrl(fake.url));
    const [taskId] = await tasks(t, 1);
    // The tracker creates the issue, then the connection drops before the answer: the activity
    // fails (retryable), and its retry finds the issue by the task's marker instead of making another.
    fake.loseNextAnswer(isCreate);
    const row = await syncToEnd(t, provider);
    expect(row).toMatchObject({ status: 'connected', last_error: null });
    expect(fake.tickets).toHaveLength(1);
    expect(await lastOutcome(integrationId)).toEqual({ status: 'connected', tickets: { created: 0, adopted: 1, updated: 0, unchanged: 0, closed: 0, reopened: 0, skipped: 0 } });
    const recorded = await stack.db.prisma.integrationTicket.findUniqueOrThrow({ where: { integration_id_task_id: { integration_id: integrationId, task_id: taskId! } } });
    expect(recorded.external_key).toBe(fake.tickets[0]!.key);
    expect((await call('GET', `${t.audit}/tasks/${taskId}`, { key: t.readKey })).body.data.external_ticket_key).toBe(fake.tickets[0]!.key);

    // The next sync sees the recorded ticket: nothing new.
    expect((await syncToEnd(t, provider)).status).toBe('connected');
    expect(await lastOutcome(integrationId)).toMatchObject({ tickets: { created: 0, adopted: 0, unchanged: 1 } });
    expect(fake.tickets).toHaveLength(1);
  });

  it('reopens the ticket of a task reopened after it was done, and closes it again when done', async () => {
    const t = await createTenant(stack.db.prisma, stack.baseUrl);
    const integrationId = await connect(t, provider, credentials, baseUrl(fake.url));
    const [taskId] = await tasks(t, 1);
    expect((await syncToEnd(t, provider)).status).toBe('connected');
    expect(fake.tickets).toHaveLength(1);
    const ticket = fake.tickets[0]!;

    // Approved (remediation.test.ts drives that path): the sync closes the ticket.
    await stack.db.prisma.task.update({ where: { id: taskId }, data: { status: 'done' } });
    expect((await syncToEnd(t, provider)).status).toBe('connected');
    expect(ticket.state).toBe('closed');

    // The approved verification is reopened (the service the verification routes' workflow calls):
    // the task is back in progress, and the next sync reopens its ticket.
    const task = await stack.db.prisma.task.findUniqueOrThrow({ where: { id: taskId } });
    const verification = await stack.db.prisma.verification.create({
      data: { org_id: t.orgId, project_id: t.projectId, task_id: task.id, finding_id: task.finding_id, result: 'passed', workflow_id: `verification-${randomUUID()}`, verified_at: new Date() },
    });
    await reopenVerification(stack.db.prisma, verification.id, { label: 'test' });
    expect((await stack.db.prisma.task.findUniqueOrThrow({ where: { id: taskId } })).status).toBe('in_progress');
    expect((await syncToEnd(t, provider)).status).toBe('connected');
    expect(await lastOutcome(integrationId)).toEqual({ status: 'connected', tickets: { created: 0, adopted: 0, updated: 0, unchanged: 0, closed: 0, reopened: 1, skipped: 0 } });
    expect(fake.tickets).toEqual([ticket]);
    expect(ticket.state).toBe('open');
    const recorded = await stack.db.prisma.integrationTicket.findUniqueOrThrow({ where: { integration_id_task_id: { integration_id: integrationId, task_id: taskId! } } });
    expect(recorded.state).toBe('open');

    // Symmetric: done again, closed again; a further sync leaves it.
    await stack.db.prisma.task.update({ where: { id: taskId }, data: { status: 'done' } });
    expect((await syncToEnd(t, provider)).status).toBe('connected');
    expect(await lastOutcome(integrationId)).toMatchObject({ tickets: { closed: 1, reopened: 0 } });
    expect(ticket.state).toBe('closed');
    expect(fake.tickets).toHaveLength(1);
  });

  it('refuses at send time a base URL whose name now resolves to loopback (DNS rebinding): a non-retryable error, nothing sent', async () => {
    // A listener where the rebound name points: no connection may reach it.
    let connections = 0;
    const listener = createServer((socket) => (connections++, socket.destroy()));
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = listener.address() as AddressInfo;
      const host = `${provider}-${randomUUID().slice(0, 8)}.rebind.example`;
      // Public when the sync checks the base URL, loopback when the SDK connects. (Connected while
      // the name was public: the row is written as connect would, since a real connect would dial
      // that public address.)
      dns.set(host, [['93.184.216.34'], ['127.0.0.1']]);
      const t = await createTenant(stack.db.prisma, stack.baseUrl);
      const id = randomUUID();
      await stack.db.prisma.integration.create({
        data: {
          id,
          org_id: t.orgId,
          project_id: t.projectId,
          provider: provider as never,
          status: 'connected',
          credentials_encrypted: sealCredentials(id, credentials, resolveInstanceSecret(stack.config)),
          base_url: baseUrl(`https://${host}:${port}`),
        },
      });
      await tasks(t, 1);
      const row = await syncToEnd(t, provider);
      expect(row.status).toBe('error');
      expect(row.last_error).toMatch(new RegExp(`was not called while [a-z ]+: ${host.replace(/\./g, '\\.')} resolves to a private or reserved address range \\(loopback\\)`));
      // Asked twice: the check at the sync's start, the connect. A retry would have asked again.
      expect(questions.filter((q) => q === host)).toHaveLength(2);
      expect(connections).toBe(0);
      expect(fake.requests).toHaveLength(0);
      expect(await lastOutcome(id)).toMatchObject({ status: 'error' });
    } finally {
      await new Promise((resolve) => listener.close(resolve));
    }
  });

  it('ends the sync in error, with the reason, when the tracker refuses it', async () => {
    const t = await createTenant(stack.db.prisma, stack.baseUrl);
    expect((await call('POST', `${t.audit}/integrations/${provider}/connect`, { key: t.writeKey, body: { credentials, base_url: baseUrl(fake.url) } })).status).toBe(200);
    await tasks(t, 1);
    fake.failNext(1_000, 401); // the token was revoked after connecting
    const row = await syncToEnd(t, provider);
    expect(row.status).toBe('error');
    expect(row.last_error).toMatch(/refused the credentials \(HTTP 401\)/);
    expect(row.last_error).not.toContain(secret);
    expect(fake.tickets).toHaveLength(0);
  });
});

it('keeps the tickets on a reconnect to the same repository, and starts over on another', async () => {
  const token = 'ghp_reconnectToken01';
  const [first, other] = await Promise.all([startFakeGitHub({ token, owner: 'acme', repo: 'website' }), startFakeGitHub({ token, owner: 'acme', repo: 'shop' })]);
  try {
    const t = await createTenant(stack.db.prisma, stack.baseUrl);
    const connect = (url: string, repo: string) => call('POST', `${t.audit}/integrations/github/connect`, { key: t.writeKey, body: { credentials: { token, owner: 'acme', repo }, base_url: url } });
    const connected = await connect(first.url, 'website');
    await tasks(t, 2);
    expect((await syncToEnd(t, 'github')).status).toBe('connected');
    expect(first.tickets).toHaveLength(2);

    expect((await connect(first.url, 'website')).status).toBe(200);
    expect((await syncToEnd(t, 'github')).status).toBe('connected');
    expect(await lastOutcome(connected.body.data.id)).toMatchObject({ tickets: { created: 0, unchanged: 2 } });

    const moved = await connect(other.url, 'shop');
    expect(moved.body.data.id).toBe(connected.body.data.id);
    expect((await syncToEnd(t, 'github')).status).toBe('connected');
    expect(await lastOutcome(connected.body.data.id)).toMatchObject({ tickets: { created: 2, unchanged: 0 } });
    expect(other.tickets).toHaveLength(2);
    expect(first.tickets).toHaveLength(2);
    const keys = await stack.db.prisma.integrationTicket.findMany({ where: { integration_id: connected.body.data.id } });
    expect(keys.map((k) => k.external_key).sort()).toEqual(['acme/shop#1', 'acme/shop#2']);
  } finally {
    await Promise.all([first.close(), other.close()]);
  }
});

it('answers sync and connect of the providers without ticket sync with invalid_params "not supported yet"', async () => {
  const t = await createTenant(stack.db.prisma, stack.baseUrl);
  for (const provider of ['ga4', 'gsc', 'sentry', 'cloudflare']) {
    const sync = await call('POST', `${t.audit}/integrations/${provider}/sync`, { key: t.writeKey });
    expect(sync.status).toBe(422);
    expect(sync.body.error).toMatchObject({ code: 'invalid_params' });
    expect(sync.body.error.message).toMatch(/not supported yet/);
    const connect = await call('POST', `${t.audit}/integrations/${provider}/connect`, { key: t.writeKey, body: { credentials: { key: 'x' } } });
    expect(connect.status).toBe(422);
    expect(connect.body.error.message).toMatch(/not supported yet/);
  }
  expect((await call('POST', `${t.audit}/integrations/trello/sync`, { key: t.writeKey })).status).toBe(404);
});

it('refuses a sync before connecting, unknown credential fields, a private base_url and a read key', async () => {
  const t = await createTenant(stack.db.prisma, stack.baseUrl);
  const sync = await call('POST', `${t.audit}/integrations/github/sync`, { key: t.writeKey });
  expect(sync.status).toBe(409);
  const unknown = await call('POST', `${t.audit}/integrations/github/connect`, { key: t.writeKey, body: { credentials: { token: 'ghp_x', owner: 'a', repo: 'b', password: 'p' } } });
  expect(unknown.status).toBe(422);
  expect(unknown.body.error.details).toHaveProperty(['credentials.password']);
  const missing = await call('POST', `${t.audit}/integrations/jira/connect`, { key: t.writeKey, body: { credentials: { email: 'a@b.test', api_token: 'tok', project_key: 'WEB' } } });
  expect(missing.status).toBe(422);
  expect(missing.body.error.details.base_url[0]).toMatch(/required/);
  for (const base of ['http://10.0.0.5', 'http://169.254.169.254/latest', 'https://localhost:8443', 'ftp://127.0.0.1/']) {
    const res = await call('POST', `${t.audit}/integrations/gitlab/connect`, { key: t.writeKey, body: { credentials: { token: 'glpat-x', project_id: 1 }, base_url: base } });
    expect(res.status).toBe(422);
    expect(res.body.error.details).toHaveProperty('base_url');
  }
  const read = await call('POST', `${t.audit}/integrations/github/connect`, { key: t.readKey, body: { credentials: {} } });
  expect(read.status).toBe(403);
});

it('runs a sync asked for while the last one is only closing (the row does not stay syncing)', async () => {
  // The API's start, not the tracker, is under test: one provider is enough.
  const { provider, start, credentials, baseUrl } = CASES[0]!;
  const fake = await start();
  try {
    const t = await createTenant(stack.db.prisma, stack.baseUrl);
    const integrationId = await connect(t, provider, credentials, baseUrl(fake.url));
    await tasks(t, 1);
    expect((await syncToEnd(t, provider)).status).toBe('connected');
    await lastOutcome(integrationId); // closed (the row says `connected` a moment before)
    // The last sync has set the row `connected` and its run is still open: a stand-in run under the
    // sync's id, on a queue no worker polls, closed a moment after the next request.
    const closing = await stack.temporal.client.workflow.start('IntegrationSyncWorkflow', {
      taskQueue: `nobody-${randomUUID()}`,
      workflowId: integrationSyncWorkflowId(integrationId),
      args: [{ integrationId }],
    });
    const closed = setTimeout(() => void closing.terminate('the last sync closes'), 1_500);
    try {
      expect((await syncToEnd(t, provider)).status).toBe('connected');
      expect(await lastOutcome(integrationId)).toEqual({ status: 'connected', tickets: { created: 0, adopted: 0, updated: 0, unchanged: 1, closed: 0, reopened: 0, skipped: 0 } });
    } finally {
      clearTimeout(closed);
    }
  } finally {
    await fake.close();
  }
});
