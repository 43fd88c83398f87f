import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

// Applies prisma/migrations the way `prisma migrate deploy` does and records them in Prisma's own
// `_prisma_migrations` table, so either tool can take over a database the other migrated.

const MIGRATIONS_DIR = path.resolve(__dirname, '../../prisma/migrations');

/** Prisma's advisory lock key: holding it also keeps a concurrent `prisma migrate` out. */
const PRISMA_ADVISORY_LOCK = 72707369;

/** Prisma's DDL for its history table (schema engine, PostgreSQL flavour). */
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`;

export class MigrationChecksumMismatch extends Error {
  constructor(readonly migrationName: string) {
    super(
      `migration ${migrationName} was applied with a different migration.sql than the one in prisma/migrations; ` +
        'applied migrations must not be edited (add a new migration instead)',
    );
    this.name = 'MigrationChecksumMismatch';
  }
}

interface Migration {
  name: string;
  sql: string;
  /** SHA-256 of migration.sql's bytes, hex: what Prisma stores in `checksum`. */
  checksum: string;
}

function readMigrations(): Migration[] {
  return readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort((a, b) => a.localeCompare(b)) // Prisma's order
    .map((name) => {
      const bytes = readFileSync(path.join(MIGRATIONS_DIR, name, 'migration.sql'));
      return { name, sql: bytes.toString('utf8'), checksum: createHash('sha256').update(bytes).digest('hex') };
    });
}

/**
 * Applies the migrations not yet recorded, each in its own transaction, under an advisory lock held
 * on one connection for the whole run (so concurrent callers apply each migration exactly once).
 */
export async function migrate(databaseUrl: string, log: (msg: string) => void = () => {}): Promise<{ applied: string[] }> {
  const migrations = readMigrations();
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_ADVISORY_LOCK]);
    await client.query(CREATE_MIGRATIONS_TABLE);
    const { rows } = await client.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      'SELECT migration_name, checksum, finished_at FROM _prisma_migrations WHERE rolled_back_at IS NULL',
    );
    const recorded = new Map(rows.map((row) => [row.migration_name, row]));
    for (const row of rows) {
      if (!row.finished_at) {
        throw new Error(`migration ${row.migration_name} is recorded as failed; resolve it with \`prisma migrate resolve\` first`);
      }
    }

    const applied: string[] = [];
    for (const migration of migrations) {
      const row = recorded.get(migration.name);
      if (row) {
        if (row.checksum !== migration.checksum) throw new MigrationChecksumMismatch(migration.name);
        continue;
      }
      log(`applying migration ${migration.name}`);
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query(
          `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
           VALUES ($1, $2, $3, now(), clock_timestamp(), 1)`,
          [randomUUID(), migration.checksum, migration.name],
        );
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${migration.name} failed: ${(err as Error).message}`, { cause: err });
      }
      applied.push(migration.name);
    }
    return { applied };
  } finally {
    // Ending the session releases the advisory lock.
    await client.end();
  }
}

/** Creates the database named in the URL unless it exists (tolerating a concurrent create). */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } catch (err) {
    // Someone else created it meanwhile: duplicate_database, or (a create racing ours) unique_violation.
    if (!['42P04', '23505'].includes((err as { code?: string }).code ?? '')) throw err;
  } finally {
    await client.end();
  }
}
