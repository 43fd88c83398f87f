import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { ensureDatabase, migrate, MigrationChecksumMismatch } from '../../src/platform/migrate.ts';
import { createScratchDatabase, dropDatabase } from '../support/scratch-database.ts';

const MIGRATIONS_DIR = path.resolve(__dirname, '../../prisma/migrations');
const folders = readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();
const checksumOf = (folder: string) => createHash('sha256').update(readFileSync(path.join(MIGRATIONS_DIR, folder, 'migration.sql'))).digest('hex');

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

let url: string;
beforeEach(async () => {
  url = await createScratchDatabase();
});
afterEach(() => dropDatabase(url));

test('migrates an empty database and records each migration as Prisma does', async () => {
  const logged: string[] = [];
  const { applied } = await migrate(url, (msg) => logged.push(msg));

  expect(applied).toEqual(folders);
  expect(logged).toEqual(folders.map((f) => `applying migration ${f}`));
  const history = await query<{ migration_name: string; checksum: string; finished_at: Date | null; rolled_back_at: Date | null; applied_steps_count: number; started_at: Date; id: string }>(
    url,
    'SELECT * FROM _prisma_migrations ORDER BY migration_name',
  );
  expect(history.map((row) => [row.migration_name, row.checksum])).toEqual(folders.map((f) => [f, checksumOf(f)]));
  for (const row of history) {
    expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(row.finished_at).toBeInstanceOf(Date);
    expect(row.finished_at!.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
    expect(row.rolled_back_at).toBeNull();
    expect(row.applied_steps_count).toBe(1);
  }
  const tables = await query<{ tablename: string }>(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
  expect(tables.map((t) => t.tablename).sort()).toEqual(
    ['_prisma_migrations', 'ai_provider_settings', 'ai_quotas', 'api_keys', 'browser_leases', 'crawl_pages', 'crawls', 'finding_events', 'findings', 'integration_tickets', 'integrations',
      'notification_channels', 'notification_deliveries', 'notification_events',
      'orgs', 'page_snapshots', 'policies', 'projects', 'rate_limits', 'regressions', 'reports', 'scan_run_events', 'scan_runs', 'scan_schedules', 'schedule_runs', 'signing_keys', 'site_auth', 'tasks', 'verifications'].sort(),
  );
});

test('a second run applies nothing', async () => {
  await migrate(url);
  expect(await migrate(url)).toEqual({ applied: [] });
  expect(await query(url, 'SELECT 1 FROM _prisma_migrations')).toHaveLength(folders.length);
});

test('two concurrent runs on one empty database apply each migration exactly once', async () => {
  const [a, b] = await Promise.all([migrate(url), migrate(url)]);

  expect([...a.applied, ...b.applied].sort()).toEqual(folders);
  expect([a.applied.length, b.applied.length].sort()).toEqual([0, folders.length]);
  const counts = await query<{ migration_name: string; n: number }>(
    url,
    'SELECT migration_name, count(*)::int AS n FROM _prisma_migrations GROUP BY migration_name ORDER BY migration_name',
  );
  expect(counts).toEqual(folders.map((f) => ({ migration_name: f, n: 1 })));
});

test('refuses a database whose recorded checksum differs from the migration file', async () => {
  await migrate(url);
  const tampered = folders[0]!;
  await query(url, `UPDATE _prisma_migrations SET checksum = repeat('0', 64) WHERE migration_name = '${tampered}'`);

  const run = migrate(url);
  await expect(run).rejects.toThrow(MigrationChecksumMismatch);
  await expect(run).rejects.toThrow(tampered);
});

test('ensureDatabase creates a missing database and tolerates concurrent calls', async () => {
  const missing = url.replace(/\/([^/?]+)(\?|$)/, '/$1_new$2');
  try {
    await Promise.all([ensureDatabase(missing), ensureDatabase(missing), ensureDatabase(missing)]);
    expect(await query(missing, 'SELECT current_database() AS name')).toEqual([{ name: new URL(missing).pathname.slice(1) }]);
    await ensureDatabase(missing);
  } finally {
    await dropDatabase(missing);
  }
});
