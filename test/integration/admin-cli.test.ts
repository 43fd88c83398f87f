import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { hashApiKey } from '../../src/domain/api-keys.ts';
import { connectDatabase, type Database } from '../../src/platform/db.ts';

// Each test starts the CLI (a tsx process) several times: seconds each on a loaded 2-core machine.
jest.setTimeout(180_000);

const run = promisify(execFile);
const CLI = `${__dirname}/../../bin/sitewarden`;

async function sitewarden(...args: string[]) {
  const { stdout } = await run(CLI, args, { env: process.env });
  return stdout;
}

/** Runs the CLI with --json and checks stdout is exactly one JSON object. */
async function json(...args: string[]): Promise<any> {
  const stdout = await sitewarden(...args, '--json');
  expect(stdout.trim().split('\n')).toHaveLength(1);
  const value = JSON.parse(stdout);
  expect(typeof value).toBe('object');
  return value;
}

let db: Database;
beforeAll(() => {
  db = connectDatabase(process.env.DATABASE_URL!, 2);
});
afterAll(() => db.close());

it('creates an org, a project and keys, lists and revokes them', async () => {
  const org = await json('admin', 'create-org', '--name', 'Acme');
  expect(org).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), name: 'Acme', created_at: expect.any(String) });

  const project = await json('admin', 'create-project', '--org', org.id, '--slug', 'production-website');
  expect(project).toMatchObject({ id: 'production-website', org_id: org.id });

  const key = await json('admin', 'create-key', '--org', org.id, '--scopes', 'audit:read,audit:write', '--expires-in', '1h');
  expect(key).toMatchObject({ key: expect.stringMatching(/^kr_live_[A-Za-z0-9_-]{43}$/), scopes: ['audit:read', 'audit:write'] });
  expect(key.key_prefix).toBe(key.key.slice(0, 12));
  const expiresIn = Date.parse(key.expires_at) - Date.now();
  expect(expiresIn).toBeGreaterThan(59 * 60_000);
  expect(expiresIn).toBeLessThanOrEqual(60 * 60_000);

  const stored = await db.prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } });
  expect(stored.key_hash).toBe(hashApiKey(key.key));
  expect(JSON.stringify(stored)).not.toContain(key.key);

  const { keys } = await json('admin', 'list-keys', '--org', org.id);
  expect(keys).toHaveLength(1);
  expect(keys[0]).toMatchObject({ id: key.id, key_prefix: key.key_prefix, revoked_at: null });
  expect(JSON.stringify(keys)).not.toContain(key.key);

  const revoked = await json('admin', 'revoke-key', '--id', key.id);
  expect(revoked.revoked_at).toEqual(expect.any(String));
});

it.each([
  [['admin', 'create-key', '--org', '00000000-0000-0000-0000-000000000000', '--scopes', 'audit:read'], /no org/],
  [['admin', 'create-org', '--name', '  '], /must not be empty/],
])('fails clearly with exit 1: %p', async (args, message) => {
  const failure = await run(CLI, [...args, '--json'], { env: process.env }).catch((err) => err);
  expect(failure.code).toBe(1);
  expect(JSON.parse(failure.stderr)).toEqual({ error: expect.stringMatching(message) });
});

it('refuses unknown scopes, bad durations and bad slugs', async () => {
  const org = await json('admin', 'create-org', '--name', 'Beta');
  for (const args of [
    ['admin', 'create-key', '--org', org.id, '--scopes', 'audit:admin'],
    ['admin', 'create-key', '--org', org.id, '--scopes', 'audit:read', '--expires-in', 'soon'],
    ['admin', 'create-project', '--org', org.id, '--slug', 'Not A Slug'],
  ]) {
    const failure = await run(CLI, [...args, '--json'], { env: process.env }).catch((err) => err);
    expect(failure.code).toBe(1);
    expect(JSON.parse(failure.stderr).error).toEqual(expect.any(String));
  }
});
