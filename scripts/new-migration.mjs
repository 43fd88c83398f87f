#!/usr/bin/env node
// Writes prisma/migrations/<timestamp>_<name>/migration.sql: the SQL Prisma's own schema engine
// produces for `prisma migrate diff --from-schema <base> --to-schema prisma/schema.prisma --script`.
// The base is prisma/schema.prisma at a git ref (default HEAD). Prisma's CLI cannot run its diff
// offline (it downloads the native engine); the Wasm build of the same engine can (docs/migrations.md).
// Usage: node scripts/new-migration.mjs <name> [base-ref]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const [name, baseRef = 'HEAD'] = process.argv.slice(2);
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error('usage: node scripts/new-migration.mjs <snake_case_name> [base-ref]');
  process.exit(2);
}
const root = path.resolve(import.meta.dirname, '..');
const require = createRequire(path.join(root, 'package.json'));
const schemaPath = path.join(root, 'prisma/schema.prisma');
const target = fs.readFileSync(schemaPath, 'utf8');
const base = execFileSync('git', ['show', `${baseRef}:prisma/schema.prisma`], { cwd: root, encoding: 'utf8' });

const bg = await import(path.join(root, 'node_modules/@prisma/schema-engine-wasm/schema_engine_bg.js'));
// The engine shipped inside the installed prisma CLI: exactly the version that CLI would run.
const wasm = fs.readFileSync(path.join(root, 'node_modules/prisma/build/schema_engine_bg.wasm'));
const instance = new WebAssembly.Instance(new WebAssembly.Module(wasm), { './schema_engine_bg.js': bg });
bg.__wbg_set_wasm(instance.exports);
instance.exports.__wbindgen_start();

const { PrismaPg } = require('@prisma/adapter-pg');
const { bindMigrationAwareSqlAdapterFactory } = require('@prisma/driver-adapter-utils');
// The engine connects at start-up; a schema-to-schema diff reads nothing from the database.
const url = new URL(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
url.pathname = '/postgres';
const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPg({ connectionString: url.toString() }));
const engine = await bg.SchemaEngine.new({ datamodels: [[schemaPath, target]] }, () => {}, adapter);
const result = await engine.diff({
  from: { tag: 'schemaDatamodel', files: [{ path: schemaPath, content: base }] },
  to: { tag: 'schemaDatamodel', files: [{ path: schemaPath, content: target }] },
  script: true,
  exitCode: null,
  filters: { externalTables: [], externalEnums: [] },
});
const sql = result.stdout ?? '';
if (!sql.trim() || /^-- This is an empty migration/.test(sql.trim())) {
  console.error(`prisma/schema.prisma does not differ from ${baseRef}: nothing to write`);
  process.exit(1);
}
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const dir = path.join(root, 'prisma/migrations', `${stamp}_${name}`);
fs.mkdirSync(dir, { recursive: true });
fs.writeFileSync(path.join(dir, 'migration.sql'), sql);
console.log(path.relative(root, path.join(dir, 'migration.sql')));
process.exit(0);
