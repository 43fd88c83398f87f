import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ensureDatabase } from '../../src/platform/migrate.ts';

// Empty databases of their own for tests that must start from nothing (migrations) or break the
// schema on purpose (drift), on the server of DATABASE_URL.

const DEFAULT_URL = 'postgresql://postgres@127.0.0.1:5432/sitewarden_test';

function onDatabase(url: string, name: string): string {
  const other = new URL(url);
  other.pathname = `/${name}`;
  return other.toString();
}

/** Creates a uniquely named empty database and returns its URL. */
export async function createScratchDatabase(): Promise<string> {
  const name = `sitewarden_scratch_${process.pid}_${randomBytes(4).toString('hex')}`;
  const url = onDatabase(process.env.DATABASE_URL ?? DEFAULT_URL, name);
  await ensureDatabase(url);
  return url;
}

/** Drops a database (a scratch one, or the test database to start it over), closing whatever is still connected to it. */
export async function dropDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const client = new pg.Client({ connectionString: onDatabase(url, 'postgres') });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
