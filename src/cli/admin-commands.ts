import { type Command, Option } from 'commander';
import { ensureDevTenant } from '../admin/dev-tenant.ts';
import { AdminInputError, createKey, createOrg, createProject, listKeys, parseDuration, parseScopes, revokeKey } from '../admin/tenants.ts';
import { ConfigError, loadConfig } from '../platform/config.ts';
import { connectDatabase, type Db } from '../platform/db.ts';
import { ensureDatabase, migrate } from '../platform/migrate.ts';
import { registerAiCommands } from './ai.ts';
import { registerEvidenceCommands } from './evidence.ts';

/** Runs `action` against the configured database and prints its result (one JSON object with --json). */
async function withDb<T>(json: boolean, action: (prisma: Db) => Promise<T>, describe: (result: T) => string): Promise<void> {
  const db = connectDatabase(loadConfig().DATABASE_URL, 2);
  try {
    const result = await action(db.prisma);
    console.log(json ? JSON.stringify(result) : describe(result));
  } finally {
    await db.close();
  }
}

const jsonOption = new Option('--json', 'print exactly one JSON object');

/** Failures the operator can fix from the message alone (no "unexpected error" prefix). */
export const isExpectedAdminError = (err: unknown): boolean => err instanceof AdminInputError || err instanceof ConfigError;

/** The commands that work on this instance's database: migrate, admin …, verify. */
export function registerAdminCommands(program: Command): void {
  program
    .command('migrate')
    .description('create the database if missing and apply pending migrations')
    .action(async () => {
      const url = loadConfig().DATABASE_URL;
      await ensureDatabase(url);
      const { applied } = await migrate(url);
      console.log(applied.length ? `applied ${applied.join(', ')}` : 'database is up to date');
    });

  const admin = program.command('admin').description('manage orgs, projects, API keys, AI providers and AI quotas');

  admin
    .command('create-org')
    .requiredOption('--name <name>', 'display name')
    .addOption(jsonOption)
    .action((opts: { name: string; json?: boolean }) =>
      withDb(!!opts.json, (p) => createOrg(p, opts.name), (o) => `org ${o.id} (${o.name})`),
    );

  admin
    .command('create-project')
    .requiredOption('--org <org_id>', 'org id')
    .requiredOption('--slug <slug>', 'project id, e.g. production-website')
    .option('--name <name>', 'display name (default: the slug)')
    .addOption(jsonOption)
    .action((opts: { org: string; slug: string; name?: string; json?: boolean }) =>
      withDb(!!opts.json, (p) => createProject(p, opts.org, opts.slug, opts.name), (pr) => `project ${pr.id} in org ${pr.org_id}`),
    );

  admin
    .command('create-key')
    .requiredOption('--org <org_id>', 'org id')
    .requiredOption('--scopes <scopes>', 'comma-separated: audit:read,audit:write')
    .option('--expires-in <duration>', 'e.g. 30m, 1h, 90d (default: never)')
    .option('--name <name>', 'a label for the key')
    .addOption(jsonOption)
    .action((opts: { org: string; scopes: string; expiresIn?: string; name?: string; json?: boolean }) =>
      withDb(
        !!opts.json,
        (p) =>
          createKey(p, {
            orgId: opts.org,
            scopes: parseScopes(opts.scopes),
            ...(opts.expiresIn ? { expiresInMs: parseDuration(opts.expiresIn) } : {}),
            ...(opts.name ? { name: opts.name } : {}),
          }),
        (k) => `${k.key}\n(shown once; prefix ${k.key_prefix}, scopes ${k.scopes.join(',')}, expires ${k.expires_at ?? 'never'})`,
      ),
    );

  admin
    .command('list-keys')
    .requiredOption('--org <org_id>', 'org id')
    .addOption(jsonOption)
    .action((opts: { org: string; json?: boolean }) =>
      withDb(
        !!opts.json,
        async (p) => ({ keys: await listKeys(p, opts.org) }),
        ({ keys }) =>
          keys
            .map((k) => `${k.id}  ${k.key_prefix}…  ${k.scopes.join(',')}  ${k.revoked_at ? 'revoked' : `expires ${k.expires_at ?? 'never'}`}  last used ${k.last_used_at ?? 'never'}`)
            .join('\n') || 'no keys',
      ),
    );

  admin
    .command('revoke-key')
    .requiredOption('--id <key_id>', 'key id (from list-keys)')
    .addOption(jsonOption)
    .action((opts: { id: string; json?: boolean }) =>
      withDb(!!opts.json, (p) => revokeKey(p, opts.id), (k) => `revoked ${k.id} (${k.key_prefix}…)`),
    );

  admin
    .command('dev-tenant')
    .description('the embedded default: make (once) and print the dev org, project and key')
    .requiredOption('--state <path>', 'file that keeps the dev key')
    .action((opts: { state: string }) =>
      withDb(true, (p) => ensureDevTenant(p, opts.state), () => ''),
    );

  registerAiCommands(admin, withDb);
  registerEvidenceCommands(program, admin, withDb);
}
