import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { createOrg } from '../../src/admin/tenants.ts';
import { connectDatabase, type Database } from '../../src/platform/db.ts';
import { migrate } from '../../src/platform/migrate.ts';
import { createScratchDatabase, dropDatabase } from '../support/scratch-database.ts';

// `sitewarden admin ai …` as an operator runs it, on a database of its own (providers are instance-wide).

// Each test starts the CLI (a tsx process) several times: seconds each on a loaded 2-core machine.
jest.setTimeout(180_000);

const run = promisify(execFile);
const ROOT = `${__dirname}/../..`;
const CLI = `${ROOT}/bin/sitewarden`;
const KEY = `sk-ant-api03-${randomBytes(24).toString('base64url')}`;
const SECRET = randomBytes(32).toString('base64url');

let databaseUrl: string;
let db: Database;
beforeAll(async () => {
  databaseUrl = await createScratchDatabase();
  await migrate(databaseUrl);
  db = connectDatabase(databaseUrl, 2);
});
afterAll(async () => {
  await db?.close();
  if (databaseUrl) await dropDatabase(databaseUrl);
});

const env = (overrides: Record<string, string | undefined> = {}) => ({ ...process.env, DATABASE_URL: databaseUrl, SITEWARDEN_SECRET: SECRET, ...overrides });

/** Runs the CLI with --json; resolves with the parsed stdout, or with the exit code and parsed stderr. */
async function sitewarden(args: string[], options: { stdin?: string; env?: NodeJS.ProcessEnv } = {}) {
  return new Promise<{ code: number; out: any; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(CLI, [...args, '--json'], { env: options.env ?? env() }, (err, stdout, stderr) => {
      const code = err ? Number((err as { code?: number }).code ?? 1) : 0;
      resolve({ code, out: JSON.parse(code === 0 ? stdout : stderr), stdout, stderr });
    });
    child.stdin?.end(options.stdin ?? '');
  });
}

test('set, show and clear a provider: the key goes in through stdin and never comes out', async () => {
  const set = await sitewarden(['admin', 'ai', 'set', 'anthropic', '--key-stdin', '--model', 'claude-sonnet-4-5-20251022', '--base-url', 'http://127.0.0.1:9/'], { stdin: `${KEY}\n` });
  const fingerprint = `sha256:${createHash('sha256').update(KEY).digest('hex').slice(0, 12)}`;
  expect(set.out).toEqual({
    provider: 'anthropic',
    enabled: true,
    analysis_model: 'claude-sonnet-4-5-20251022',
    accessibility_model: 'claude-haiku-4-5-20251001',
    base_url: 'http://127.0.0.1:9',
    key_fingerprint: fingerprint,
    updated_at: expect.any(String),
  });
  const [shown, plain, wrongSecret] = await Promise.all([
    sitewarden(['admin', 'ai', 'show']),
    run(CLI, ['admin', 'ai', 'show'], { env: env() }),
    sitewarden(['admin', 'ai', 'show'], { env: env({ SITEWARDEN_SECRET: randomBytes(32).toString('base64url') }) }),
  ]);
  expect(shown.out).toEqual({ providers: [set.out] });
  expect(plain.stdout).toContain(`anthropic  enabled  analysis claude-sonnet-4-5-20251022  accessibility claude-haiku-4-5-20251001  http://127.0.0.1:9  key ${fingerprint}`);
  expect(wrongSecret.code).toBe(1);
  expect(wrongSecret.out.error).toMatch(/^SITEWARDEN_SECRET cannot decrypt the stored anthropic API key: encrypted under another SITEWARDEN_SECRET \(key id \S+; this instance's is \S+\)/);

  const stored = await db.prisma.aiProviderSetting.findUniqueOrThrow({ where: { provider: 'anthropic' } });
  expect(stored.api_key_encrypted).toMatch(/^v1:/);
  for (const text of [set.stdout, set.stderr, shown.stdout, plain.stdout, wrongSecret.stderr, JSON.stringify(stored)]) expect(text).not.toContain(KEY);

  const cleared = await sitewarden(['admin', 'ai', 'clear', 'anthropic']);
  expect(cleared.out).toEqual({ provider: 'anthropic', cleared: true });
  expect((await sitewarden(['admin', 'ai', 'show'])).out).toEqual({ providers: [] });
});

test('refuses an unknown provider, an empty key and a bad base URL', async () => {
  const results = await Promise.all([
    sitewarden(['admin', 'ai', 'set', 'mistral', '--key-stdin'], { stdin: KEY }),
    sitewarden(['admin', 'ai', 'set', 'openai', '--key-stdin'], { stdin: '\n' }),
    sitewarden(['admin', 'ai', 'set', 'openai', '--key-stdin', '--base-url', 'ftp://example.com'], { stdin: KEY }),
  ]);
  expect(results.map((r) => [r.code, r.out.error])).toEqual([
    [1, 'provider must be one of anthropic, openai (got "mistral")'],
    [1, 'the API key read from stdin is empty'],
    [1, '--base-url must be an http(s) URL'],
  ]);
  expect(await db.prisma.aiProviderSetting.count()).toBe(0);
});

test("an org's AI quota: its own limit, back to the default, and its spending", async () => {
  const org = await createOrg(db.prisma, 'Quota Co');
  const [own, bad] = await Promise.all([
    sitewarden(['admin', 'ai', 'quota', '--org', org.id, '--units', '5']),
    sitewarden(['admin', 'ai', 'quota', '--org', org.id, '--units', 'lots']),
  ]);
  expect(own.out).toMatchObject({ org_id: org.id, limit: 5, limit_source: 'org', period: 'month', used: 0, resets_at: expect.stringMatching(/-01T00:00:00.000Z$/) });
  expect(bad.out.error).toBe('--units must be a whole number ≥ 0 (got "lots")');
  const back = await sitewarden(['admin', 'ai', 'quota', '--org', org.id, '--default'], { env: env({ AI_QUOTA_UNITS: '250', AI_QUOTA_PERIOD: 'week' }) });
  expect(back.out).toMatchObject({ limit: 250, limit_source: 'instance', period: 'week' });
});

test('a worker started with a secret that cannot decrypt the stored keys stops at once, saying why', async () => {
  await sitewarden(['admin', 'ai', 'set', 'openai', '--key-stdin'], { stdin: KEY });
  const worker = spawn(`${ROOT}/node_modules/.bin/tsx`, ['src/worker.ts'], {
    cwd: ROOT,
    // Temporal is never reached: the check comes first.
    env: env({ SITEWARDEN_SECRET: randomBytes(32).toString('base64url'), TEMPORAL_ADDRESS: '127.0.0.1:1', LOG_LEVEL: 'info' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  worker.stdout.on('data', (chunk) => (output += chunk));
  worker.stderr.on('data', (chunk) => (output += chunk));
  const code = await new Promise((resolve) => worker.once('exit', resolve));
  expect(code).toBe(1);
  expect(output.trim()).toMatch(/^SITEWARDEN_SECRET cannot decrypt the stored openai API key: encrypted under another SITEWARDEN_SECRET .*sitewarden admin ai set openai --key-stdin$/);
  expect(output).not.toContain(KEY);
});
