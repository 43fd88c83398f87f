import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import pg from 'pg';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createReportExportActivities, type WrittenArtifact } from '../../src/activities/reports/export.ts';
import { createOrg, createProject } from '../../src/admin/tenants.ts';
import { loadConfig, type Config } from '../../src/platform/config.ts';
import { connectDatabase, type Database } from '../../src/platform/db.ts';
import { createFilesystemStorage } from '../../src/platform/storage/filesystem.ts';
import type { ObjectStorage } from '../../src/platform/storage/types.ts';
import { readCsvWithPython } from '../support/python-csv.ts';

/**
 * An export reads one consistent snapshot of the project, but holds no transaction while the
 * artifact uploads: storage is held mid-upload while the test looks at pg_stat_activity and
 * changes the findings under the export.
 */
let db: Database;
let probe: pg.Client;
let config: Config;
let storageDir: string;

beforeAll(async () => {
  config = loadConfig({ ...process.env });
  db = connectDatabase(config.DATABASE_URL, 3);
  probe = new pg.Client({ connectionString: config.DATABASE_URL });
  await probe.connect();
  storageDir = await mkdtemp(join(tmpdir(), 'sitewarden-export-snapshot-'));
});

afterAll(async () => {
  await probe?.end();
  await db?.close();
  await rm(storageDir, { recursive: true, force: true });
});

/** Filesystem storage whose first put waits for `release()`: an upload that takes its time. */
function heldStorage(inner: ObjectStorage) {
  let release!: () => void;
  let started!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const uploading = new Promise<void>((resolve) => (started = resolve));
  let first = true;
  const storage: ObjectStorage = {
    kind: inner.kind,
    async put(key: string, body: Readable, contentType: string) {
      if (first) {
        first = false;
        started();
        await gate;
      }
      return inner.put(key, body, contentType);
    },
    open: (key) => inner.open(key),
    presignedUrl: (key, options) => inner.presignedUrl(key, options),
  };
  return { storage, release, uploading };
}

/** Backends of this database inside a transaction, other than the probe's own. */
async function openTransactions(): Promise<Array<{ state: string; xact_age_ms: number }>> {
  const { rows } = await probe.query(
    `SELECT state, (extract(epoch FROM now() - xact_start) * 1000)::int AS xact_age_ms
       FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL`,
  );
  return rows;
}

it('holds no transaction during the upload, and the artifact is the snapshot taken before it', async () => {
  const org = await createOrg(db.prisma, `org-${randomUUID()}`);
  const project = await createProject(db.prisma, org.id, 'production-website');
  const scope = { org_id: org.id, project_id: project.id };
  const created = [];
  for (let i = 0; i < 30; i++) {
    created.push(
      await db.prisma.finding.create({
        data: { ...scope, domain: 'seo', check_id: 'seo.title_missing', title: `Finding ${i}`, description: `line one\nline two of ${i}`, severity: i % 2 ? 'high' : 'low', priority_score: 100 - i },
      }),
    );
  }
  const report = await db.prisma.report.create({ data: { ...scope, format: 'csv', status: 'exporting' } });
  const held = heldStorage(createFilesystemStorage(storageDir));
  const activities = createReportExportActivities({ prisma: db.prisma, config, storage: held.storage, secret: 'x'.repeat(32) });

  const written = new MockActivityEnvironment().run(activities.writeReportArtifact, report.id) as Promise<WrittenArtifact>;
  await held.uploading;
  // Mid-upload: the export has no transaction open (before: an idle-in-transaction repeatable read).
  expect(await openTransactions()).toEqual([]);
  // Changes committed now are not in the artifact: it is the snapshot taken before the upload.
  await db.prisma.finding.update({ where: { id: created[0]!.id }, data: { title: 'Renamed during the upload', priority_score: 1 } });
  await db.prisma.finding.delete({ where: { id: created[1]!.id } });
  await db.prisma.finding.create({ data: { ...scope, domain: 'seo', check_id: 'seo.title_missing', title: 'Added during the upload', severity: 'critical', priority_score: 100 } });
  held.release();
  const artifact = await written;

  expect(artifact).toMatchObject({ findingCount: 30, findingsTotal: 30 });
  const rows = await readCsvWithPython(join(storageDir, artifact.storageKey));
  const [header, ...records] = rows as [string[], ...string[][]];
  const title = header.indexOf('title');
  const id = header.indexOf('id');
  expect(records).toHaveLength(30);
  expect(records.map((r) => r[id])).toEqual(created.map((f) => f.id));
  expect(records.map((r) => r[title])).toEqual(created.map((f) => f.title));
  expect(records[0]![header.indexOf('description')]).toBe('line one\nline two of 0');
  // The HTML view the share link shows comes from the same snapshot.
  const view = (await held.storage.open(`audit/${org.id}/${project.id}/${report.id}.view.html`))!;
  const html = (await view.body.toArray()).join('');
  expect(html).toContain('Finding 0');
  expect(html).not.toContain('Added during the upload');
  expect(html).not.toContain('Renamed during the upload');
});
