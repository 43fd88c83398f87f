import { createHash } from 'node:crypto';
import { AdminInputError } from '../admin/tenants.ts';
import type { AiProvider } from '../generated/prisma/enums.ts';
import { ConfigError, type Config } from '../platform/config.ts';
import { DEV_SECRET_FILE, resolveInstanceSecret } from '../platform/crypto.ts';
import type { Db } from '../platform/db.ts';
import { decryptSecret, encryptSecret, SecretDecryptionError } from '../platform/secrets.ts';

/**
 * Instance-wide LLM providers (no per-org keys, as Krafter): one row per provider in
 * ai_provider_settings, the key AES-256-GCM encrypted under the instance secret (SITEWARDEN_SECRET;
 * outside production, when unset, the checkout's .data/instance-secret). Keys are read here,
 * by the activity that calls the model, and nowhere else: never printed, logged, returned by the
 * API or passed through a workflow.
 */

export const AI_PROVIDERS = ['anthropic', 'openai'] as const satisfies readonly AiProvider[];

/** What a model is used for: analysis (scores, fixes, summary) or the accessibility review. */
export type AiTask = 'analysis' | 'accessibility';

/** Krafter's defaults (krafter-api §9.2): Sonnet for analysis, Haiku for accessibility, gpt-4o-mini as fallback. */
export const DEFAULT_MODELS: Record<AiProvider, Record<AiTask, string>> = {
  anthropic: { analysis: 'claude-sonnet-4-5-20251022', accessibility: 'claude-haiku-4-5-20251001' },
  openai: { analysis: 'gpt-4o-mini', accessibility: 'gpt-4o-mini' },
};

/** A provider ready to be called: the decrypted key lives only in this object, inside an activity. */
export interface ProviderAccess {
  provider: AiProvider;
  apiKey: string;
  baseUrl: string;
  models: Record<AiTask, string>;
}

/** What an operator may see of a provider: never the key, only its fingerprint. */
export interface ProviderDescription {
  provider: AiProvider;
  enabled: boolean;
  analysis_model: string;
  accessibility_model: string;
  base_url: string;
  key_fingerprint: string;
  updated_at: string;
}

type SecretConfig = Pick<Config, 'SITEWARDEN_SECRET'>;
type BaseUrlConfig = Pick<Config, 'ANTHROPIC_BASE_URL' | 'OPENAI_BASE_URL'>;

const keyPurpose = (provider: AiProvider) => `ai_provider:${provider}`;

/** "sha256:" and the first 12 hex digits of the key's SHA-256: enough to tell keys apart, useless to an attacker. */
export function keyFingerprint(apiKey: string): string {
  return `sha256:${createHash('sha256').update(apiKey, 'utf8').digest('hex').slice(0, 12)}`;
}

/** Krafter's `configured?`: at least one provider has an enabled key. Reads no key. */
/** Takes the client or a transaction: an AI unit is charged in the transaction that writes the run. */
export async function isAiConfigured(prisma: Pick<Db, 'aiProviderSetting'>): Promise<boolean> {
  return (await prisma.aiProviderSetting.count({ where: { enabled: true } })) > 0;
}

function decryptKey(stored: string, provider: AiProvider, config: SecretConfig): string {
  try {
    return decryptSecret(stored, resolveInstanceSecret(config), keyPurpose(provider));
  } catch (err) {
    if (!(err instanceof SecretDecryptionError)) throw err;
    const which = config.SITEWARDEN_SECRET ? 'SITEWARDEN_SECRET' : `SITEWARDEN_SECRET (unset, so the one in ${DEV_SECRET_FILE})`;
    throw new ConfigError(
      `${which} cannot decrypt the stored ${provider} API key: ${err.message}. Start with the secret the key was ` +
        `stored under, or store the key again: sitewarden admin ai set ${provider} --key-stdin`,
    );
  }
}

/** The enabled providers with their keys decrypted, Anthropic first (the fallback order). */
export async function loadProviders(prisma: Db, config: SecretConfig & BaseUrlConfig): Promise<ProviderAccess[]> {
  const rows = await prisma.aiProviderSetting.findMany({ where: { enabled: true } });
  return AI_PROVIDERS.flatMap((provider) => {
    const row = rows.find((r) => r.provider === provider);
    if (!row) return [];
    return [
      {
        provider,
        apiKey: decryptKey(row.api_key_encrypted, provider, config),
        baseUrl: row.base_url ?? defaultBaseUrl(provider, config),
        models: {
          analysis: row.analysis_model ?? DEFAULT_MODELS[provider].analysis,
          accessibility: row.accessibility_model ?? DEFAULT_MODELS[provider].accessibility,
        },
      },
    ];
  });
}

/**
 * Start-up check of the worker: every stored key decrypts under this instance's secret, so a wrong
 * or missing SITEWARDEN_SECRET stops the process with a clear message instead of failing scans.
 */
export async function checkStoredProviderKeys(prisma: Db, config: SecretConfig & BaseUrlConfig): Promise<void> {
  await loadProviders(prisma, config);
}

function defaultBaseUrl(provider: AiProvider, config: BaseUrlConfig): string {
  return provider === 'anthropic' ? config.ANTHROPIC_BASE_URL : config.OPENAI_BASE_URL;
}

// ---------------------------------------------------------------- operator actions (admin ai …)

export interface ProviderInput {
  provider: string;
  apiKey: string;
  analysisModel?: string;
  accessibilityModel?: string;
  baseUrl?: string;
}

export function parseProvider(raw: string): AiProvider {
  if (!(AI_PROVIDERS as readonly string[]).includes(raw)) {
    throw new AdminInputError(`provider must be one of ${AI_PROVIDERS.join(', ')} (got "${raw}")`);
  }
  return raw as AiProvider;
}

function parseModel(option: string, raw: string | undefined): string | null {
  if (raw === undefined) return null;
  if (!/^[\w.:/-]{1,128}$/.test(raw)) throw new AdminInputError(`${option} must be a model name such as claude-sonnet-4-5-20251022`);
  return raw;
}

function parseBaseUrl(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AdminInputError(`--base-url must be an http(s) URL (got "${raw}")`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new AdminInputError('--base-url must be an http(s) URL');
  if (url.username || url.password) throw new AdminInputError('--base-url must not hold credentials');
  return url.href.replace(/\/$/, '');
}

/**
 * Stores (replaces) a provider: the key, and the models and base URL given; those not given fall
 * back to the defaults. The provider is enabled.
 */
export async function setProvider(prisma: Db, config: SecretConfig & BaseUrlConfig, input: ProviderInput): Promise<ProviderDescription> {
  const provider = parseProvider(input.provider);
  const apiKey = input.apiKey.trim();
  if (!apiKey) throw new AdminInputError('the API key read from stdin is empty');
  if (/\s/.test(apiKey)) throw new AdminInputError('the API key read from stdin contains whitespace');
  const values = {
    api_key_encrypted: encryptSecret(apiKey, resolveInstanceSecret(config), keyPurpose(provider)),
    analysis_model: parseModel('--model', input.analysisModel),
    accessibility_model: parseModel('--accessibility-model', input.accessibilityModel),
    base_url: parseBaseUrl(input.baseUrl),
    enabled: true,
  };
  await prisma.aiProviderSetting.upsert({ where: { provider }, create: { provider, ...values }, update: values });
  return (await describeProviders(prisma, config)).find((p) => p.provider === provider)!;
}

export async function describeProviders(prisma: Db, config: SecretConfig & BaseUrlConfig): Promise<ProviderDescription[]> {
  const rows = await prisma.aiProviderSetting.findMany();
  return AI_PROVIDERS.flatMap((provider) => {
    const row = rows.find((r) => r.provider === provider);
    if (!row) return [];
    return [
      {
        provider,
        enabled: row.enabled,
        analysis_model: row.analysis_model ?? DEFAULT_MODELS[provider].analysis,
        accessibility_model: row.accessibility_model ?? DEFAULT_MODELS[provider].accessibility,
        base_url: row.base_url ?? defaultBaseUrl(provider, config),
        key_fingerprint: keyFingerprint(decryptKey(row.api_key_encrypted, provider, config)),
        updated_at: row.updated_at.toISOString(),
      },
    ];
  });
}

export async function clearProvider(prisma: Db, rawProvider: string): Promise<{ provider: AiProvider; cleared: boolean }> {
  const provider = parseProvider(rawProvider);
  const { count } = await prisma.aiProviderSetting.deleteMany({ where: { provider } });
  return { provider, cleared: count > 0 };
}
