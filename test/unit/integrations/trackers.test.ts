import { createServer } from 'node:net';
import { parseHostAllowlist } from '../../../src/gather/ssrf/host-allowlist.ts';
import { createTrackerClient, TrackerError, type TrackerClient } from '../../../src/integrations/trackers.ts';
import type { Tracker } from '../../../src/integrations/providers.ts';
import type { FakeRequest, FakeTracker } from '../../support/trackers/server.ts';
import { startFakeGitHub } from '../../support/trackers/github.ts';
import { startFakeGitLab } from '../../support/trackers/gitlab.ts';
import { startFakeJira } from '../../support/trackers/jira.ts';
import { startFakeLinear } from '../../support/trackers/linear.ts';

// Each tracker's official SDK against a local fake of its API: the requests the SDK really makes.

interface Case {
  provider: Tracker;
  start(): Promise<FakeTracker>;
  good: Record<string, unknown>;
  bad: Record<string, unknown>;
  otherProject: Record<string, unknown>;
  base(url: string): string;
  key: RegExp;
  /** Picks the request that creates a ticket. */
  isCreate(req: FakeRequest): boolean;
}

const CASES: Case[] = [
  {
    provider: 'github',
    start: () => startFakeGitHub({ token: 'ghp_goodtoken123', owner: 'acme', repo: 'web' }),
    good: { token: 'ghp_goodtoken123', owner: 'acme', repo: 'web' },
    bad: { token: 'ghp_wrongtoken99', owner: 'acme', repo: 'web' },
    otherProject: { token: 'ghp_goodtoken123', owner: 'acme', repo: 'elsewhere' },
    base: (url) => url,
    key: /^acme\/web#\d+$/,
    isCreate: (req) => req.method === 'POST' && req.path.endsWith('/issues'),
  },
  {
    provider: 'gitlab',
    start: () => startFakeGitLab({ token: 'glpat-goodtoken', projectId: 42, path: 'acme/web' }),
    good: { token: 'glpat-goodtoken', project_id: '42' },
    bad: { token: 'glpat-wrongtoken', project_id: '42' },
    otherProject: { token: 'glpat-goodtoken', project_id: '43' },
    base: (url) => url,
    key: /^acme\/web#\d+$/,
    isCreate: (req) => req.method === 'POST' && req.path.endsWith('/issues'),
  },
  {
    provider: 'jira',
    start: () => startFakeJira({ email: 'ops@acme.test', apiToken: 'jira-goodtoken', projectKey: 'WEB' }),
    good: { email: 'ops@acme.test', api_token: 'jira-goodtoken', project_key: 'WEB' },
    bad: { email: 'ops@acme.test', api_token: 'jira-wrongtoken', project_key: 'WEB' },
    otherProject: { email: 'ops@acme.test', api_token: 'jira-goodtoken', project_key: 'OPS' },
    base: (url) => url,
    key: /^WEB-\d+$/,
    isCreate: (req) => req.method === 'POST' && req.path === '/rest/api/3/issue',
  },
  {
    provider: 'linear',
    start: () => startFakeLinear({ apiKey: 'lin_api_goodkey1', teamId: 'team-web', teamKey: 'ENG' }),
    good: { api_key: 'lin_api_goodkey1', team_id: 'team-web' },
    bad: { api_key: 'lin_api_wrongkey', team_id: 'team-web' },
    otherProject: { api_key: 'lin_api_goodkey1', team_id: 'team-ops' },
    base: (url) => `${url}/graphql`,
    key: /^ENG-\d+$/,
    isCreate: (req) => String((req.body as { query?: string } | undefined)?.query).includes('mutation createIssue'),
  },
];

const TASK = '3f0c9a56-8d51-4c1e-9a0b-2a4d1c7e5b10';
const OTHER_TASK = '9b1e2f3a-0c4d-4e5f-8a6b-7c8d9e0f1a2b';
/** The body ticketContent ends with: Linear finds a ticket by it. */
const bodyOf = (taskId: string, text = 'First line\n\nSecond paragraph') => `${text}\n\n_Pushed by Sitewarden · task ${taskId} · finding f-1_`;

/** A resolver answering from a table, recording every question. */
function resolver(answers: Record<string, string[]>) {
  const calls: string[] = [];
  return { calls, resolve: async (host: string) => (calls.push(host), answers[host] ?? []) };
}

const clients: TrackerClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
});

describe.each(CASES)('$provider', ({ provider, start, good, bad, otherProject, base, key, isCreate }) => {
  let fake: FakeTracker;
  const client = async (credentials: Record<string, unknown>, url = base(fake.url), guard: Parameters<typeof createTrackerClient>[3] = { allowlist: parseHostAllowlist('127.0.0.1') }): Promise<TrackerClient> => {
    const made = await createTrackerClient(provider, credentials as never, url, guard);
    clients.push(made);
    return made;
  };
  beforeEach(async () => (fake = await start()));
  afterEach(() => fake.close());

  it('verifies good credentials and creates, updates, closes and reopens a ticket', async () => {
    const tracker = await client(good);
    await tracker.verify();
    const ref = await tracker.create({ title: 'Missing HSTS header', body: bodyOf(TASK) }, TASK);
    expect(ref.key).toMatch(key);
    expect(fake.tickets).toHaveLength(1);
    expect(fake.tickets[0]).toMatchObject({ title: 'Missing HSTS header', state: 'open' });
    await tracker.update(ref, { title: 'Missing HSTS header (edited)', body: bodyOf(TASK, 'changed') });
    expect(fake.tickets[0]!.title).toBe('Missing HSTS header (edited)');
    await tracker.close(ref);
    expect(fake.tickets[0]!.state).toBe('closed');
    await tracker.reopen(ref);
    expect(fake.tickets[0]!.state).toBe('open');
    expect(fake.tickets).toHaveLength(1);
  });

  it('finds the ticket carrying a task\'s marker, open or closed, and no other task\'s', async () => {
    const tracker = await client(good);
    expect(await tracker.find(TASK)).toBeNull();
    const ref = await tracker.create({ title: 'Ticket of the task', body: bodyOf(TASK) }, TASK);
    await tracker.create({ title: 'Ticket of another task', body: bodyOf(OTHER_TASK) }, OTHER_TASK);
    expect(await tracker.find(TASK)).toEqual({ ...ref, state: 'open' });
    await tracker.close(ref);
    expect(await tracker.find(TASK)).toEqual({ ...ref, state: 'closed' });
    expect((await tracker.find(OTHER_TASK))?.key).not.toBe(ref.key);
  });

  it('finds a ticket whose create answer was lost, so the retry need not make another', async () => {
    const tracker = await client(good);
    fake.loseNextAnswer(isCreate);
    const err = await tracker.create({ title: 'Lost answer', body: bodyOf(TASK) }, TASK).then(() => null, (e: unknown) => e);
    expect((err as TrackerError).kind).toBe('unavailable');
    expect(fake.tickets).toHaveLength(1); // made, though the client never heard
    const found = await tracker.find(TASK);
    expect(found).toMatchObject({ state: 'open' });
    expect(found!.key).toMatch(key);
    expect(fake.tickets).toHaveLength(1);
  });

  it('connects through the guard: a listed name resolves by the injected resolver, an unlisted one to loopback is refused before any connection', async () => {
    const port = Number(new URL(fake.url).port);
    const listed = resolver({ 'tracker.allowed.example': ['127.0.0.1'] });
    // Linear's SDK takes plain http for localhost only: over https to the plain fake, the request
    // fails at TLS, after the lookup that matters here.
    const scheme = provider === 'linear' ? 'https' : 'http';
    const allowed = await client(good, base(`${scheme}://tracker.allowed.example:${port}`), { allowlist: parseHostAllowlist('127.0.0.1, tracker.allowed.example'), resolve: listed.resolve });
    if (provider === 'linear') await expect(allowed.verify()).rejects.toMatchObject({ kind: 'unavailable' });
    else await allowed.verify();
    expect(listed.calls).toContain('tracker.allowed.example');

    // DNS rebinding: the name was public when the base URL was checked; now it answers loopback.
    let connections = 0;
    const listener = createServer((socket) => (connections++, socket.destroy()));
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    try {
      const forbiddenPort = (listener.address() as { port: number }).port;
      const rebound = resolver({ 'tracker.rebind.example': ['127.0.0.1'] });
      const before = fake.requests.length;
      const tracker = await client(good, base(`https://tracker.rebind.example:${forbiddenPort}`), { allowlist: parseHostAllowlist('127.0.0.1'), resolve: rebound.resolve });
      const err = await tracker.create({ title: 'Never sent', body: bodyOf(TASK) }, TASK).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(TrackerError);
      expect((err as TrackerError).kind).toBe('blocked');
      expect((err as TrackerError).permanent).toBe(true);
      expect((err as Error).message).toMatch(/was not called while creating a ticket: tracker\.rebind\.example resolves to a private or reserved address range \(loopback\)/);
      expect(rebound.calls).toContain('tracker.rebind.example');
      expect(connections).toBe(0);
      expect(fake.requests.length).toBe(before);
    } finally {
      await new Promise((resolve) => listener.close(resolve));
    }
  });

  it('answers refused credentials as an auth error that names no secret', async () => {
    const err = await (await client(bad)).verify().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(TrackerError);
    expect((err as TrackerError).kind).toBe('auth');
    expect((err as TrackerError).permanent).toBe(true);
    for (const value of Object.values(bad)) if (String(value).length > 8) expect((err as Error).message).not.toContain(String(value));
  });

  it('answers a project the credentials cannot see as not found', async () => {
    const err = await (await client(otherProject)).verify().then(() => null, (e: unknown) => e);
    expect((err as TrackerError).kind).toBe('not_found');
  });

  it('answers an outage as a retryable error', async () => {
    const tracker = await client(good);
    fake.failNext(50, 503);
    const err = await tracker.create({ title: 't', body: 'b' }, TASK).then(() => null, (e: unknown) => e);
    expect((err as TrackerError).kind).toBe('unavailable');
    expect((err as TrackerError).permanent).toBe(false);
  });
});

it('refuses a GitHub token without write access (triage cannot make labels): its tickets would lack their marker', async () => {
  const fake = await startFakeGitHub({ token: 'ghp_readonlytoken1', owner: 'acme', repo: 'web', role: 'triage' });
  try {
    const tracker = await createTrackerClient('github', { token: 'ghp_readonlytoken1', owner: 'acme', repo: 'web' }, fake.url, { allowlist: parseHostAllowlist('127.0.0.1') });
    clients.push(tracker);
    const err = await tracker.verify().then(() => null, (e: unknown) => e);
    expect((err as TrackerError).kind).toBe('rejected');
    expect((err as Error).message).toMatch(/cannot label issues .* needs write access/);
  } finally {
    await fake.close();
  }
});
