import { createTrackerClient, TrackerError, type TrackerClient } from '../../../src/integrations/trackers.ts';
import type { Tracker } from '../../../src/integrations/providers.ts';
import type { FakeTracker } from '../../support/trackers/server.ts';
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
  },
  {
    provider: 'gitlab',
    start: () => startFakeGitLab({ token: 'glpat-goodtoken', projectId: 42, path: 'acme/web' }),
    good: { token: 'glpat-goodtoken', project_id: '42' },
    bad: { token: 'glpat-wrongtoken', project_id: '42' },
    otherProject: { token: 'glpat-goodtoken', project_id: '43' },
    base: (url) => url,
    key: /^acme\/web#\d+$/,
  },
  {
    provider: 'jira',
    start: () => startFakeJira({ email: 'ops@acme.test', apiToken: 'jira-goodtoken', projectKey: 'WEB' }),
    good: { email: 'ops@acme.test', api_token: 'jira-goodtoken', project_key: 'WEB' },
    bad: { email: 'ops@acme.test', api_token: 'jira-wrongtoken', project_key: 'WEB' },
    otherProject: { email: 'ops@acme.test', api_token: 'jira-goodtoken', project_key: 'OPS' },
    base: (url) => url,
    key: /^WEB-\d+$/,
  },
  {
    provider: 'linear',
    start: () => startFakeLinear({ apiKey: 'lin_api_goodkey1', teamId: 'team-web', teamKey: 'ENG' }),
    good: { api_key: 'lin_api_goodkey1', team_id: 'team-web' },
    bad: { api_key: 'lin_api_wrongkey', team_id: 'team-web' },
    otherProject: { api_key: 'lin_api_goodkey1', team_id: 'team-ops' },
    base: (url) => `${url}/graphql`,
    key: /^ENG-\d+$/,
  },
];

describe.each(CASES)('$provider', ({ provider, start, good, bad, otherProject, base, key }) => {
  let fake: FakeTracker;
  const client = (credentials: Record<string, unknown>): Promise<TrackerClient> => createTrackerClient(provider, credentials as never, base(fake.url));
  beforeEach(async () => (fake = await start()));
  afterEach(() => fake.close());

  it('verifies good credentials and creates, updates and closes a ticket', async () => {
    const tracker = await client(good);
    await tracker.verify();
    const ref = await tracker.create({ title: 'Missing HSTS header', body: 'First line\n\nSecond paragraph' });
    expect(ref.key).toMatch(key);
    expect(fake.tickets).toHaveLength(1);
    expect(fake.tickets[0]).toMatchObject({ title: 'Missing HSTS header', state: 'open' });
    await tracker.update(ref, { title: 'Missing HSTS header (edited)', body: 'changed' });
    expect(fake.tickets[0]!.title).toBe('Missing HSTS header (edited)');
    await tracker.close(ref);
    expect(fake.tickets[0]!.state).toBe('closed');
    expect(fake.tickets).toHaveLength(1);
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
    const err = await tracker.create({ title: 't', body: 'b' }).then(() => null, (e: unknown) => e);
    expect((err as TrackerError).kind).toBe('unavailable');
    expect((err as TrackerError).permanent).toBe(false);
  });
});
