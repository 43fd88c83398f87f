import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { createOrg } from '../../src/admin/tenants.ts';
import { connectDatabase, type Database } from '../../src/platform/db.ts';
import { createScratchDatabase, dropDatabase } from '../support/scratch-database.ts';

// The migration that turns the remediation rules into partial unique indexes must apply to a
// database where the races already left duplicates: it folds them first, the oldest row winning.

const MIGRATIONS_DIR = path.resolve(__dirname, '../../prisma/migrations');
const folders = readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();
const target = folders.find((f) => f.endsWith('_one_open_per_finding'))!;
const sqlOf = (folder: string) => readFileSync(path.join(MIGRATIONS_DIR, folder, 'migration.sql'), 'utf8');

let url: string;
let client: pg.Client;
let db: Database;

beforeAll(async () => {
  url = await createScratchDatabase();
  client = new pg.Client({ connectionString: url });
  await client.connect();
  // The database as it was before this migration.
  for (const folder of folders.filter((f) => f < target)) await client.query(sqlOf(folder));
  db = connectDatabase(url, 2);
});
afterAll(async () => {
  await db?.close();
  await client?.end();
  if (url) await dropDatabase(url);
});

// The database stops at an old migration while the Prisma client is today's: every query names
// its columns, so a column added by a later migration is never asked for.
const ID = { id: true } as const;

test('folds duplicate open tasks, running verifications and open regressions, then enforces one of each', async () => {
  const { prisma } = db;
  const org = await createOrg(prisma, 'org-migration');
  // Raw: Prisma's create sends every column with a default of its own (projects.settings came later).
  await client.query(`INSERT INTO projects (org_id, id, name, updated_at) VALUES ($1, 'site', 'site', now())`, [org.id]);
  const project = { id: 'site' };
  const scope = { org_id: org.id, project_id: project.id };
  const finding = await prisma.finding.create({ data: { ...scope, domain: 'security', check_id: 'security.csp_missing', title: 'CSP missing', severity: 'high' }, select: ID });
  const at = (seconds: number) => new Date(Date.UTC(2026, 10, 1, 0, 0, seconds));
  const task = (seconds: number, status: 'backlog' | 'done' = 'backlog') =>
    prisma.task.create({ data: { ...scope, finding_id: finding.id, title: 'Fix', status, created_at: at(seconds) }, select: { id: true, status: true } });
  const oldest = await task(1);
  const later = await task(2);
  const done = await task(0, 'done');
  const verification = (taskId: string, seconds: number) =>
    prisma.verification.create({ data: { ...scope, task_id: taskId, finding_id: finding.id, workflow_id: `verification-${seconds}`, created_at: at(seconds) }, select: ID });
  const firstRunning = await verification(oldest.id, 10);
  const movedRunning = await verification(later.id, 11);
  const regression = (seconds: number) =>
    prisma.regression.create({ data: { ...scope, finding_id: finding.id, trigger: 'scan_detected', opened_at: at(seconds) }, select: ID });
  const firstOpen = await regression(20);
  const laterOpen = await regression(21);

  await client.query('BEGIN');
  await client.query(sqlOf(target));
  await client.query('COMMIT');

  const tasks = await prisma.task.findMany({ where: { finding_id: finding.id }, orderBy: { created_at: 'asc' }, select: { id: true, status: true } });
  expect(tasks.map((t) => [t.id, t.status])).toEqual([
    [done.id, 'done'],
    [oldest.id, 'backlog'],
  ]);
  const verifications = await prisma.verification.findMany({ orderBy: { created_at: 'asc' }, select: { id: true, task_id: true, result: true } });
  expect(verifications.map((v) => [v.id, v.task_id, v.result])).toEqual([
    [firstRunning.id, oldest.id, 'pending'],
    [movedRunning.id, oldest.id, 'failed'],
  ]);
  const regressions = await prisma.regression.findMany({ orderBy: { opened_at: 'asc' }, select: { id: true, status: true, closed_at: true } });
  expect(regressions.map((r) => [r.id, r.status, r.closed_at !== null])).toEqual([
    [firstOpen.id, 'open', false],
    [laterOpen.id, 'closed', true],
  ]);

  // From now on the database refuses a second open task, running verification, open regression.
  await expect(task(3)).rejects.toMatchObject({ code: 'P2002' });
  await expect(verification(oldest.id, 12)).rejects.toMatchObject({ code: 'P2002' });
  await expect(regression(22)).rejects.toMatchObject({ code: 'P2002' });
  // Closed ones do not count.
  await expect(task(4, 'done')).resolves.toMatchObject({ status: 'done' });
});
