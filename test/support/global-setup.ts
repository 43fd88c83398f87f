import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { ensureDatabase, migrate, MigrationChecksumMismatch } from '../../src/platform/migrate.ts';
import { RUN_MARKER } from './processes.ts';
import { dropDatabase } from './scratch-database.ts';

/** Jest globalSetup: the shared test database exists and is migrated before any test file runs. */
export default async function globalSetup(): Promise<void> {
  // Marks every process this run starts (inherited through the workers); the teardown looks for it.
  process.env[RUN_MARKER] = randomUUID();
  // One workflow bundle for every test file instead of one webpack run per worker.
  const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows/index.ts'), logger: silentLogger });
  const bundlePath = join(tmpdir(), `sitewarden-workflows-${process.pid}.js`);
  writeFileSync(bundlePath, bundle.code);
  process.env.SITEWARDEN_TEST_WORKFLOW_BUNDLE = bundlePath;

  const url = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/sitewarden_test';
  process.env.DATABASE_URL = url; // inherited by the test workers
  await ensureDatabase(url);
  try {
    await migrate(url);
  } catch (err) {
    // A migration was edited since this database was made (normal while a schema change is in
    // progress). A *_test database holds nothing worth keeping: start it over.
    if (!(err instanceof MigrationChecksumMismatch) || !new URL(url).pathname.endsWith('_test')) throw err;
    console.warn(`\n${err.message}: recreating ${new URL(url).pathname.slice(1)}`);
    await dropDatabase(url);
    await ensureDatabase(url);
    await migrate(url);
  }
}

const silentLogger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
