import { get_dmmf } from '@prisma/prisma-schema-wasm';
import pg from 'pg';
import { OPEN_REGRESSION_STATUS, OPEN_TASK_STATUSES, RUNNING_VERIFICATION_RESULT } from '../../src/domain/lifecycle.ts';

// Describes a Prisma schema (through Prisma's own parser) and a live PostgreSQL database in the
// same terms, so that any disagreement between them shows up as a differing line.
//
// A description maps what an object is to how it is defined, in PostgreSQL's words:
//   "column findings.title"                    → "text not null"
//   "index findings.findings_org_id_..._idx"   → "btree (org_id, project_id, priority_score desc, ...)"
//   "foreign key tasks(finding_id)"            → "references findings(id) on delete cascade on update cascade"
// Foreign keys are keyed by their columns, not their name: the DMMF does not carry @relation(map:).
export type SchemaDescription = Map<string, string>;

// ---------------------------------------------------------------- the Prisma schema

interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'enum' | 'object' | 'unsupported';
  type: string;
  isList: boolean;
  isRequired: boolean;
  nativeType?: [string, string[]] | null;
  default?: unknown;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
}
interface DmmfIndex {
  model: string;
  type: 'id' | 'unique' | 'normal' | 'fulltext';
  dbName?: string | null;
  algorithm?: string;
  fields: { name: string; sortOrder?: 'asc' | 'desc' }[];
}
interface DmmfEnum {
  name: string;
  dbName: string | null;
  values: { name: string; dbName: string | null }[];
}
interface Datamodel {
  models: DmmfModel[];
  enums: DmmfEnum[];
  indexes: DmmfIndex[];
}

/** PostgreSQL's column types for Prisma's scalars without @db. */
const SCALAR_TYPES: Record<string, string> = {
  String: 'text',
  Int: 'integer',
  BigInt: 'bigint',
  Float: 'double precision',
  Decimal: 'numeric(65,30)',
  Boolean: 'boolean',
  DateTime: 'timestamp(3) without time zone',
  Json: 'jsonb',
  Bytes: 'bytea',
};

const withArgs = (name: string, args: string[], after = '') => `${name}${args.length ? `(${args.join(',')})` : ''}${after}`;

/** PostgreSQL's names (as format_type prints them) for Prisma's @db native types. */
const NATIVE_TYPES: Record<string, (args: string[]) => string> = {
  Text: () => 'text',
  Char: (args) => `character(${args[0] ?? 1})`,
  VarChar: (args) => withArgs('character varying', args),
  Bit: (args) => `bit(${args[0] ?? 1})`,
  VarBit: (args) => withArgs('bit varying', args),
  Uuid: () => 'uuid',
  Xml: () => 'xml',
  Inet: () => 'inet',
  Citext: () => 'citext',
  SmallInt: () => 'smallint',
  Integer: () => 'integer',
  BigInt: () => 'bigint',
  Oid: () => 'oid',
  Real: () => 'real',
  DoublePrecision: () => 'double precision',
  Decimal: (args) => withArgs('numeric', args),
  Money: () => 'money',
  Boolean: () => 'boolean',
  Date: () => 'date',
  Timestamp: (args) => withArgs('timestamp', args, ' without time zone'),
  Timestamptz: (args) => withArgs('timestamp', args, ' with time zone'),
  Time: (args) => withArgs('time', args, ' without time zone'),
  Timetz: (args) => withArgs('time', args, ' with time zone'),
  Json: () => 'json',
  JsonB: () => 'jsonb',
  ByteA: () => 'bytea',
};

const REFERENTIAL_ACTIONS: Record<string, string> = {
  Cascade: 'cascade',
  Restrict: 'restrict',
  NoAction: 'no action',
  SetNull: 'set null',
  SetDefault: 'set default',
};

/** Prisma's default constraint names: cut to PostgreSQL's 63-byte limit before the suffix. */
export function defaultConstraintName(table: string, columns: string[], suffix: '_pkey' | '_key' | '_idx' | '_fkey'): string {
  const prefix = suffix === '_pkey' ? table : [table, ...columns].join('_');
  return (prefix.length + suffix.length > 63 ? prefix.slice(0, 63 - suffix.length) : prefix) + suffix;
}

export function parsePrismaSchema(schemaText: string): Datamodel {
  return JSON.parse(get_dmmf(JSON.stringify({ prismaSchema: [['schema.prisma', schemaText]] }))).datamodel as Datamodel;
}

/** What `prisma migrate` would make of the schema. Throws on what this comparison does not know. */
export function describePrismaSchema(schemaText: string): SchemaDescription {
  const { models, enums, indexes } = parsePrismaSchema(schemaText);
  const tableOf = (model: string) => {
    const found = models.find((m) => m.name === model);
    if (!found) throw new Error(`no model ${model}`);
    return found.dbName ?? found.name;
  };
  const columnOf = (model: string, field: string) => {
    const found = models.find((m) => m.name === model)?.fields.find((f) => f.name === field);
    if (!found) throw new Error(`no field ${model}.${field}`);
    return found.dbName ?? found.name;
  };
  const enumOf = (name: string) => enums.find((e) => e.name === name)!;
  const description: SchemaDescription = new Map();

  for (const e of enums) description.set(`enum ${e.dbName ?? e.name}`, e.values.map((v) => v.dbName ?? v.name).join(', '));

  for (const model of models) {
    const table = model.dbName ?? model.name;
    description.set(`table ${table}`, 'table');
    for (const field of model.fields) {
      if (field.kind === 'object') {
        if (!field.relationFromFields?.length) continue; // the side without the foreign key
        const columns = field.relationFromFields.map((f) => columnOf(model.name, f));
        const refColumns = field.relationToFields!.map((f) => columnOf(field.type, f));
        const onDelete = field.relationOnDelete ?? (field.isRequired ? 'Restrict' : 'SetNull');
        const onUpdate = field.relationOnUpdate ?? 'Cascade';
        description.set(
          `foreign key ${table}(${columns.join(', ')})`,
          `references ${tableOf(field.type)}(${refColumns.join(', ')}) on delete ${REFERENTIAL_ACTIONS[onDelete]} on update ${REFERENTIAL_ACTIONS[onUpdate]}`,
        );
        continue;
      }
      const column = field.dbName ?? field.name;
      description.set(`column ${table}.${column}`, describeColumn(table, column, field, field.kind === 'enum' ? enumOf(field.type) : undefined));
    }
  }

  for (const index of indexes) {
    const table = tableOf(index.model);
    const columns = index.fields.map((f) => columnOf(index.model, f.name));
    const keys = index.fields.map((f, i) => `${columns[i]}${f.sortOrder === 'desc' ? ' desc' : ''}`).join(', ');
    const suffix = ({ id: '_pkey', unique: '_key', normal: '_idx' } as const)[index.type as 'id' | 'unique' | 'normal'];
    if (!suffix) throw new Error(`schema-compare does not know ${index.type} indexes (${index.model})`);
    const name = index.dbName ?? defaultConstraintName(table, columns, suffix);
    const kind = index.type === 'id' ? 'primary key' : `${index.type === 'unique' ? 'unique ' : ''}${(index.algorithm ?? 'btree').toLowerCase()}`;
    description.set(`index ${table}.${name}`, `${kind} (${keys})`);
  }
  return description;
}

function describeColumn(table: string, column: string, field: DmmfField, enumType: DmmfEnum | undefined): string {
  let type: string | undefined;
  if (enumType) type = enumType.dbName ?? enumType.name;
  else if (field.nativeType) type = NATIVE_TYPES[field.nativeType[0]]?.(field.nativeType[1]);
  else type = SCALAR_TYPES[field.type];
  if (!type) throw new Error(`schema-compare does not know the type of ${table}.${column} (${field.type} ${JSON.stringify(field.nativeType)})`);
  if (field.isList) type += '[]';

  // Prisma renders scalar lists without NOT NULL.
  let text = `${type}${field.isRequired && !field.isList ? ' not null' : ''}`;
  const value = field.default;
  if (value === undefined) return text;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    const literal = enumType ? (enumType.values.find((v) => v.name === value)?.dbName ?? value) : value;
    return `${text} default ${JSON.stringify(String(literal))}`;
  }
  const fn = value as { name: string; args: unknown[] };
  switch (fn.name) {
    case 'uuid': case 'cuid': case 'nanoid': case 'ulid': // made by Prisma Client, not the database
      return text;
    case 'now':
      return `${text} default CURRENT_TIMESTAMP`;
    case 'autoincrement':
      return `${text} default nextval('${table}_${column}_seq'::regclass)`;
    case 'dbgenerated':
      return `${text} default ${String(fn.args[0])}`;
  }
  throw new Error(`schema-compare does not know the default of ${table}.${column}: ${JSON.stringify(value)}`);
}

// ---------------------------------------------------------------- the database

/** The public schema of the database at `url`, less Prisma's migration history table. */
export async function describeDatabase(url: string): Promise<SchemaDescription> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const description: SchemaDescription = new Map();
    const tables = `SELECT oid, relname FROM pg_class
      WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') AND relname <> '_prisma_migrations'`;

    const enumRows = await client.query<{ name: string; labels: string[] }>(`
      SELECT t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
      FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
      WHERE t.typnamespace = 'public'::regnamespace GROUP BY t.typname`);
    for (const row of enumRows.rows) description.set(`enum ${row.name}`, row.labels.join(', '));

    const tableRows = await client.query<{ relname: string }>(tables);
    for (const row of tableRows.rows) description.set(`table ${row.relname}`, 'table');

    const columnRows = await client.query<{ table: string; column: string; type: string; not_null: boolean; default: string | null }>(`
      SELECT t.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
             a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS default
      FROM (${tables}) t
      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum`);
    for (const row of columnRows.rows) {
      const type = row.type.replaceAll('"', ''); // format_type quotes mixed-case enum names
      description.set(`column ${row.table}.${row.column}`, `${type}${row.not_null ? ' not null' : ''}${describeDefault(row.default)}`);
    }

    const indexRows = await client.query<{ table: string; name: string; method: string; primary: boolean; unique: boolean; keys: string[]; predicate: string | null }>(`
      SELECT t.relname AS table, ic.relname AS name, am.amname AS method, i.indisprimary AS primary, i.indisunique AS unique,
             ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true) || CASE WHEN i.indoption[k - 1] & 1 = 1 THEN ' desc' ELSE '' END
                   FROM generate_series(1, i.indnkeyatts) AS k ORDER BY k) AS keys,
             pg_get_expr(i.indpred, i.indrelid) AS predicate
      FROM (${tables}) t
      JOIN pg_index i ON i.indrelid = t.oid
      JOIN pg_class ic ON ic.oid = i.indexrelid
      JOIN pg_am am ON am.oid = ic.relam`);
    for (const row of indexRows.rows) {
      const kind = row.primary ? 'primary key' : `${row.unique ? 'unique ' : ''}${row.method}`;
      description.set(`index ${row.table}.${row.name}`, `${kind} (${row.keys.join(', ')})${row.predicate ? ` where ${row.predicate}` : ''}`);
    }

    const actions: Record<string, string> = { a: 'no action', r: 'restrict', c: 'cascade', n: 'set null', d: 'set default' };
    const foreignKeyRows = await client.query<{ table: string; columns: string[]; ref_table: string; ref_columns: string[]; on_delete: string; on_update: string }>(`
      SELECT t.relname AS table, rt.relname AS ref_table, c.confdeltype AS on_delete, c.confupdtype AS on_update,
             ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(attnum, n)
                   JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.n) AS columns,
             ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(attnum, n)
                   JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.n) AS ref_columns
      FROM (${tables}) t
      JOIN pg_constraint c ON c.conrelid = t.oid AND c.contype = 'f'
      JOIN pg_class rt ON rt.oid = c.confrelid`);
    for (const row of foreignKeyRows.rows) {
      description.set(
        `foreign key ${row.table}(${row.columns.join(', ')})`,
        `references ${row.ref_table}(${row.ref_columns.join(', ')}) on delete ${actions[row.on_delete]} on update ${actions[row.on_update]}`,
      );
    }
    return description;
  } finally {
    await client.end();
  }
}

/** A literal default ('x'::text, 0, true) as its value in quotes, an expression as it is. */
function describeDefault(expression: string | null): string {
  if (expression === null) return '';
  const quoted = /^'((?:[^']|'')*)'::[^']+$/.exec(expression);
  if (quoted) return ` default ${JSON.stringify(quoted[1]!.replaceAll("''", "'"))}`;
  if (/^(-?\d+(\.\d+)?|true|false)$/.test(expression)) return ` default ${JSON.stringify(expression)}`;
  return ` default ${expression}`;
}

// ---------------------------------------------------------------- hand-written indexes

const enumLiteral = (enumName: string) => (value: string) => `'${value}'::"${enumName}"`;

/**
 * The partial unique indexes that prisma/schema.prisma cannot express, written by hand in
 * prisma/migrations/*_one_open_per_finding (docs/migrations.md). Accepted explicitly, each with
 * the predicate PostgreSQL prints for it, built from the one list of its concept in
 * src/domain/lifecycle.ts: change a list without a migration and the drift test fails.
 */
export function handWrittenIndexes(): SchemaDescription {
  const taskStatus = OPEN_TASK_STATUSES.map(enumLiteral('TaskStatus'));
  return new Map([
    ['index tasks.tasks_finding_id_open_key', `unique btree (finding_id) where (status = ANY (ARRAY[${taskStatus.join(', ')}]))`],
    ['index verifications.verifications_task_id_running_key', `unique btree (task_id) where (result = ${enumLiteral('VerificationResult')(RUNNING_VERIFICATION_RESULT)})`],
    ['index regressions.regressions_finding_id_open_key', `unique btree (finding_id) where (status = ${enumLiteral('RegressionStatus')(OPEN_REGRESSION_STATUS)})`],
  ]);
}

// ---------------------------------------------------------------- the comparison

/** One readable line per difference; empty when they agree. */
export function compareDescriptions(schema: SchemaDescription, database: SchemaDescription): string[] {
  const keys = [...new Set([...schema.keys(), ...database.keys()])].sort();
  return keys.flatMap((key) => {
    const want = schema.get(key);
    const have = database.get(key);
    if (want === have) return [];
    if (have === undefined) return [`${key}: missing from the database (schema: ${want})`];
    if (want === undefined) return [`${key}: not in the schema (database: ${have})`];
    return [`${key}: schema says "${want}", database has "${have}"`];
  });
}
