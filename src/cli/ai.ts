import { Command, Option } from 'commander';
import { AdminInputError, requireOrg } from '../admin/tenants.ts';
import { clearProvider, describeProviders, setProvider, type ProviderDescription } from '../ai/provider-settings.ts';
import { loadConfig } from '../platform/config.ts';
import type { Db } from '../platform/db.ts';
import { quotaStatus, setOrgQuota, type QuotaStatus } from '../services/ai-quota.ts';

/** main.ts's runner: opens the database, runs the action, prints its result (one JSON object with --json). */
export type WithDb = <T>(json: boolean, action: (prisma: Db) => Promise<T>, describe: (result: T) => string) => Promise<void>;

const jsonOption = () => new Option('--json', 'print exactly one JSON object');

/** `sitewarden admin ai …`: the instance's LLM providers and the orgs' AI quotas. */
export function registerAiCommands(admin: Command, withDb: WithDb): void {
  const ai = admin.command('ai').description('LLM providers (keys are read from stdin and never shown) and AI quotas');

  ai.command('set')
    .description('store a provider key (encrypted under SITEWARDEN_SECRET) and its models; replaces what was stored')
    .argument('<provider>', 'anthropic or openai')
    .requiredOption('--key-stdin', 'read the API key from stdin (pipe it: printf %s "$KEY" | …)')
    .option('--model <model>', 'analysis model (default: claude-sonnet-4-5-20251022 / gpt-4o-mini)')
    .option('--accessibility-model <model>', 'accessibility review model (default: claude-haiku-4-5-20251001 / gpt-4o-mini)')
    .option('--base-url <url>', 'API base URL (default: ANTHROPIC_BASE_URL / OPENAI_BASE_URL)')
    .addOption(jsonOption())
    .action(async (provider: string, opts: { model?: string; accessibilityModel?: string; baseUrl?: string; json?: boolean }) => {
      const apiKey = await readKeyFromStdin(provider);
      await withDb(
        !!opts.json,
        (prisma) =>
          setProvider(prisma, loadConfig(), {
            provider,
            apiKey,
            ...(opts.model !== undefined ? { analysisModel: opts.model } : {}),
            ...(opts.accessibilityModel !== undefined ? { accessibilityModel: opts.accessibilityModel } : {}),
            ...(opts.baseUrl !== undefined ? { baseUrl: opts.baseUrl } : {}),
          }),
        describeProvider,
      );
    });

  ai.command('show')
    .description('the configured providers: models, base URL, enabled, key fingerprint (never the key)')
    .addOption(jsonOption())
    .action((opts: { json?: boolean }) =>
      withDb(
        !!opts.json,
        async (prisma) => ({ providers: await describeProviders(prisma, loadConfig()) }),
        ({ providers }) => providers.map(describeProvider).join('\n') || 'no AI provider configured: scans use the deterministic scores',
      ),
    );

  ai.command('clear')
    .description('remove a provider and its key')
    .argument('<provider>', 'anthropic or openai')
    .addOption(jsonOption())
    .action((provider: string, opts: { json?: boolean }) =>
      withDb(!!opts.json, (prisma) => clearProvider(prisma, provider), (r) => (r.cleared ? `removed ${r.provider}` : `${r.provider} was not configured`)),
    );

  ai.command('quota')
    .description("an org's AI units this period; --units sets its own limit, --default returns it to AI_QUOTA_UNITS")
    .requiredOption('--org <org_id>', 'org id')
    .option('--units <n>', 'units per period for this org')
    .option('--default', 'use the instance default (AI_QUOTA_UNITS) again')
    .addOption(jsonOption())
    .action((opts: { org: string; units?: string; default?: boolean; json?: boolean }) =>
      withDb(
        !!opts.json,
        async (prisma) => {
          await requireOrg(prisma, opts.org);
          const config = loadConfig();
          if (opts.units !== undefined && opts.default) throw new AdminInputError('give --units or --default, not both');
          if (opts.default) return setOrgQuota(prisma, config, opts.org, null);
          if (opts.units !== undefined) return setOrgQuota(prisma, config, opts.org, parseUnits(opts.units));
          return quotaStatus(prisma, config, opts.org);
        },
        describeQuota,
      ),
    );
}

async function readKeyFromStdin(provider: string): Promise<string> {
  if (process.stdin.isTTY) {
    throw new AdminInputError(`pipe the key on stdin, so it is neither echoed nor kept in shell history: printf %s "$KEY" | sitewarden admin ai set ${provider} --key-stdin`);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseUnits(raw: string): number {
  const units = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(units)) throw new AdminInputError(`--units must be a whole number ≥ 0 (got "${raw}")`);
  return units;
}

function describeProvider(p: ProviderDescription): string {
  return `${p.provider}  ${p.enabled ? 'enabled' : 'disabled'}  analysis ${p.analysis_model}  accessibility ${p.accessibility_model}  ${p.base_url}  key ${p.key_fingerprint}`;
}

function describeQuota(q: QuotaStatus): string {
  return `org ${q.org_id}: ${q.used}/${q.limit} AI units used this ${q.period} (limit from ${q.limit_source}); resets ${q.resets_at}`;
}
