import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { migrate } from '../../src/platform/migrate.ts';
import { createScratchDatabase, dropDatabase } from '../support/scratch-database.ts';
import { compareDescriptions, describeDatabase, describePrismaSchema, handWrittenIndexes, parsePrismaSchema } from '../support/schema-compare.ts';

// prisma/schema.prisma and what the migrations build must agree: a model changed without a
// migration (or a migration that builds something else) fails here.

const schemaText = readFileSync(path.resolve(__dirname, '../../prisma/schema.prisma'), 'utf8');
const schema = describePrismaSchema(schemaText);
// What the migrations must build: the schema plus the partial indexes it cannot express.
const expected = new Map([...schema, ...handWrittenIndexes()]);

test('the migrated test database matches prisma/schema.prisma', async () => {
  const database = await describeDatabase(process.env.DATABASE_URL!);
  expect(compareDescriptions(expected, database)).toEqual([]);
});

test('the hand-written partial indexes are accepted by name and predicate, not by a blanket rule', async () => {
  expect([...handWrittenIndexes().keys()].sort()).toEqual([
    'index regressions.regressions_finding_id_open_key',
    'index tasks.tasks_finding_id_open_key',
    'index verifications.verifications_task_id_running_key',
  ]);
  expect(handWrittenIndexes().get('index tasks.tasks_finding_id_open_key')).toBe(
    `unique btree (finding_id) where (status = ANY (ARRAY['backlog'::"TaskStatus", 'in_progress'::"TaskStatus", 'blocked'::"TaskStatus", 'ready_verify'::"TaskStatus"]))`,
  );
});

test('the description covers every model, field, enum and index of the schema', () => {
  const { models, enums, indexes } = parsePrismaSchema(schemaText);
  const keys = [...schema.keys()];
  const count = (prefix: string) => keys.filter((k) => k.startsWith(prefix)).length;
  expect(count('table ')).toBe(models.length);
  expect(count('column ')).toBe(models.flatMap((m) => m.fields.filter((f) => f.kind !== 'object')).length);
  expect(count('foreign key ')).toBe(models.flatMap((m) => m.fields.filter((f) => f.relationFromFields?.length)).length);
  expect(count('enum ')).toBe(enums.length);
  expect(count('index ')).toBe(indexes.length);
  // Spot checks of the translation into PostgreSQL terms.
  expect(schema.get('column findings.confidence')).toBe('double precision not null default "1"');
  expect(schema.get('column findings.status')).toBe('FindingStatus not null default "new"');
  expect(schema.get('column findings.evidence')).toBe('jsonb not null default "{}"');
  expect(schema.get('column api_keys.scopes')).toBe('text[]');
  expect(schema.get('column api_keys.key_hash')).toBe('character(64) not null');
  expect(schema.get('column ai_quotas.period_start')).toBe('date not null');
  expect(schema.get('column orgs.id')).toBe('uuid not null');
  expect(schema.get('column orgs.updated_at')).toBe('timestamp(3) with time zone not null');
  expect(schema.get('column orgs.created_at')).toBe('timestamp(3) with time zone not null default CURRENT_TIMESTAMP');
  expect(schema.get('index projects.projects_pkey')).toBe('primary key (org_id, id)');
  expect(schema.get('index findings.findings_org_id_project_id_domain_title_key')).toBe('unique btree (org_id, project_id, domain, title)');
  expect(schema.get('index scan_runs.scan_runs_org_id_project_id_inserted_at_id_idx')).toBe('btree (org_id, project_id, inserted_at desc, id desc)');
  expect(schema.get('foreign key tasks(finding_id)')).toBe('references findings(id) on delete cascade on update cascade');
});

describe('drift is reported', () => {
  let url: string;
  beforeAll(async () => {
    url = await createScratchDatabase();
    await migrate(url);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`
      ALTER TABLE findings ALTER COLUMN description DROP NOT NULL;
      ALTER TABLE findings ALTER COLUMN impact_score SET DEFAULT 5;
      ALTER TABLE reports ALTER COLUMN sha256 TYPE varchar(64);
      ALTER TABLE orgs ADD COLUMN slug text;
      DROP INDEX tasks_finding_id_idx;
      DROP INDEX scan_runs_org_id_project_id_inserted_at_id_idx;
      CREATE INDEX scan_runs_org_id_project_id_inserted_at_id_idx ON scan_runs (org_id, project_id, inserted_at, id DESC);
      ALTER TYPE "Severity" ADD VALUE 'info';
      ALTER TABLE api_keys DROP CONSTRAINT api_keys_org_id_fkey;
      ALTER TABLE api_keys ADD CONSTRAINT api_keys_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id) ON DELETE RESTRICT ON UPDATE CASCADE;
      CREATE TABLE leftovers (id int PRIMARY KEY);
      DROP INDEX verifications_task_id_running_key;
      DROP INDEX regressions_finding_id_open_key;
      CREATE UNIQUE INDEX regressions_finding_id_open_key ON regressions (finding_id);
    `);
    await client.end();
  });
  afterAll(() => dropDatabase(url));

  test('each change shows as a difference', async () => {
    expect(compareDescriptions(expected, await describeDatabase(url))).toEqual([
      'column findings.description: schema says "text not null default """, database has "text default """',
      'column findings.impact_score: schema says "integer not null default "0"", database has "integer not null default "5""',
      'column leftovers.id: not in the schema (database: integer not null)',
      'column orgs.slug: not in the schema (database: text)',
      'column reports.sha256: schema says "character(64)", database has "character varying(64)"',
      'enum Severity: schema says "critical, high, medium, low", database has "critical, high, medium, low, info"',
      'foreign key api_keys(org_id): schema says "references orgs(id) on delete cascade on update cascade", database has "references orgs(id) on delete restrict on update cascade"',
      'index leftovers.leftovers_pkey: not in the schema (database: primary key (id))',
      `index regressions.regressions_finding_id_open_key: schema says "unique btree (finding_id) where (status = 'open'::"RegressionStatus")", database has "unique btree (finding_id)"`,
      'index scan_runs.scan_runs_org_id_project_id_inserted_at_id_idx: schema says "btree (org_id, project_id, inserted_at desc, id desc)", database has "btree (org_id, project_id, inserted_at, id desc)"',
      'index tasks.tasks_finding_id_idx: missing from the database (schema: btree (finding_id))',
      `index verifications.verifications_task_id_running_key: missing from the database (schema: unique btree (task_id) where (result = 'pending'::"VerificationResult"))`,
      'table leftovers: not in the schema (database: table)',
    ]);
  });
});
