import { z } from 'zod';
import type { BrowserLimits } from '../gather/browser-limits.ts';
import { normaliseHost, parseHostAllowlist, type HostAllowlist } from '../gather/ssrf/host-allowlist.ts';
import { ownEndpoints, parseEndpoint } from '../gather/ssrf/own-endpoints.ts';

const port = z.coerce.number().int().min(0).max(65_535);
const positiveInt = z.coerce.number().int().positive();
const DAY_SECONDS = 24 * 3600;
export const MAX_EXPORT_URL_TTL_SECONDS = 7 * DAY_SECONDS;
export const MAX_SHARE_URL_TTL_SECONDS = 30 * DAY_SECONDS;

/** Every setting the processes read. docker-compose.yml uses exactly these names. */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(3000),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL')
    .default('postgresql://postgres@127.0.0.1:5432/sitewarden'),
  DATABASE_POOL_SIZE: positiveInt.default(10),
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('sitewarden'),
  /** Browser-bound activities (Lighthouse, axe) poll their own queue, one page at a time by default. */
  TEMPORAL_BROWSER_TASK_QUEUE: z.string().min(1).default('sitewarden-browser'),
  BROWSER_CONCURRENCY: positiveInt.default(1),
  /**
   * axe-core runs at once per browser worker, in slots of their own beside BROWSER_CONCURRENCY's
   * (docs/scanning.md, "axe beside Lighthouse"), so a scan's accessibility audit does not wait for
   * its Lighthouse run; 0 puts axe back in the BROWSER_CONCURRENCY slots.
   */
  BROWSER_AXE_CONCURRENCY: z.coerce.number().int().min(0).max(64).default(1),
  /**
   * The nice value of axe's Chromium while a Lighthouse of the same worker runs beside it (0 = off,
   * up to 19), for at most a third of axe's page budget: Lighthouse's lab figures and run time
   * depend on the CPU it gets, axe's findings do not (docs/scanning.md, "axe yields the CPU to
   * Lighthouse"). A weight, not a cap; without a Lighthouse beside it axe runs at 0.
   */
  BROWSER_AXE_NICE: z.coerce.number().int().min(0).max(19).default(19),
  /**
   * Browser work (scanners, verifications) one org may have running at once on the browser queue,
   * across every worker of that queue (docs/scanning.md, "Fair share"); 0 turns the limit off.
   */
  BROWSER_ORG_CONCURRENCY: z.coerce.number().int().min(0).max(1_000).default(1),
  /** How long browser work may wait for its turn before its slot fails ("browser queue wait exceeded N s"). */
  BROWSER_QUEUE_MAX_WAIT_SECONDS: positiveInt.max(1_800).default(600),
  CHROME_PATH: z.string().min(1).default('/usr/bin/chromium'),
  /** Bounds of each browser, all its processes together (docs/scanning.md, Browser limits). */
  BROWSER_MEMORY_LIMIT_MB: z.coerce.number().int().min(128).default(2048),
  BROWSER_CPU_TIME_LIMIT_SECONDS: positiveInt.default(240),
  /** Under the browser activities' 3-minute start-to-close timeout, so the limit names the failure. */
  BROWSER_WALL_CLOCK_LIMIT_SECONDS: positiveInt.max(175).default(170),
  BROWSER_MAX_PROCESSES: z.coerce.number().int().min(16).default(128),
  BROWSER_CPU_CORES: z.coerce.number().positive().max(64).default(1),
  /** cgroup v2 directory for per-browser child cgroups; `off` for the /proc watchdog only. */
  BROWSER_CGROUP_PARENT: z.string().min(1).default('/sys/fs/cgroup/sitewarden-browsers'),
  /** PageSpeed Insights v5: used for performance when a key or an endpoint is set, else local Lighthouse. */
  PAGESPEED_API_URL: z.url().optional(),
  PAGESPEED_API_KEY: z.string().min(1).optional(),
  SCAN_FETCH_TIMEOUT_MS: positiveInt.default(15_000),
  /** One PageSpeed Insights request, and one Lighthouse run; the scan's activity timeouts derive from them. */
  PAGESPEED_TIMEOUT_MS: positiveInt.default(120_000),
  LIGHTHOUSE_TIMEOUT_MS: positiveInt.default(150_000),
  /** How long a verification's workflow waits for approve/reopen before it completes (later decisions restart it). */
  VERIFICATION_DECISION_WINDOW_SECONDS: positiveInt.default(7 * 24 * 3600),
  /** The sweeper (docs/deploy.md): how often it runs, and how old a run must be before it may close it. */
  SWEEP_INTERVAL_SECONDS: positiveInt.default(300),
  SWEEP_GRACE_SECONDS: positiveInt.default(600),
  /**
   * The shortest `every` a schedule may take (docs/schedules.md). One minute; the tests lower it to
   * watch a schedule fire on time within seconds.
   */
  SCHEDULE_MIN_INTERVAL_SECONDS: positiveInt.max(60).default(60),
  SCAN_MAX_PAGE_BYTES: positiveInt.default(5 * 1024 * 1024),
  /** Crawls (docs/crawls.md): pages of one crawl in flight at once (fetch and scan), the least time between two page fetches (robots.txt's Crawl-delay may ask for more), and the pages one workflow run handles before it continues as new. */
  CRAWL_CONCURRENCY: positiveInt.max(32).default(4),
  CRAWL_REQUEST_INTERVAL_MS: z.coerce.number().int().min(0).max(60_000).default(250),
  CRAWL_PAGES_PER_RUN: positiveInt.min(5).max(2_000).default(200),
  SITEWARDEN_ALLOW_PRIVATE_HOSTS: z.string().default(''),
  /** Encrypts stored credentials and the signing key; at least 32 characters. */
  SITEWARDEN_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** LLM providers (keys and models: `sitewarden admin ai set`); a provider's stored base URL wins over these. */
  ANTHROPIC_BASE_URL: z.url().default('https://api.anthropic.com'),
  OPENAI_BASE_URL: z.url().default('https://api.openai.com/v1'),
  /** Per model request; a batch of 10 findings is about 2,500 output tokens. */
  AI_REQUEST_TIMEOUT_MS: positiveInt.default(120_000),
  /** AI units per org per period (POST scans/run, verifications/run, reports/export cost 1 each with a provider configured). */
  AI_QUOTA_UNITS: z.coerce.number().int().min(0).default(1_000),
  AI_QUOTA_PERIOD: z.enum(['day', 'week', 'month']).default('month'),
  /** Findings of one scan the AI stage analyzes, highest priority first; the rest keep their rule scores. */
  AI_ANALYSIS_MAX_FINDINGS: positiveInt.max(1_000).default(50),
  /** Model requests (batches of ≤ 10 findings) one AI unit pays for; the kickoff's unit pays for the first ones. */
  AI_ANALYSIS_BATCHES_PER_UNIT: positiveInt.max(100).default(3),
  RATE_LIMIT_DEFAULT_MAX: positiveInt.default(100),
  RATE_LIMIT_DEFAULT_WINDOW_SECONDS: positiveInt.default(60),
  RATE_LIMIT_STRICT_MAX: positiveInt.default(30),
  RATE_LIMIT_STRICT_WINDOW_SECONDS: positiveInt.default(60),
  /** GET scans/:id/events sends a comment this often, so proxies and clients see an idle stream is alive. */
  SSE_HEARTBEAT_MS: positiveInt.min(100).max(300_000).default(15_000),
  /** Report artifacts (docs/reports.md): files under STORAGE_DIR, or S3 when endpoint, bucket and both keys are set. */
  STORAGE_DIR: z.string().min(1).default('.data/storage'),
  S3_ENDPOINT: z.url().optional(),
  /** The endpoint presigned download URLs name, when browsers reach S3 elsewhere than the processes do. */
  S3_PUBLIC_ENDPOINT: z.url().optional(),
  S3_BUCKET: z.string().min(3).optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  /**
   * The origin signed links name (export and share URLs); unset, the origin the request came to,
   * which a client chooses (Host header): required whenever links leave by email (SMTP_URL).
   */
  PUBLIC_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Signed links are bearer credentials: their lifetime is bounded (a download 7 days, a share 30). */
  EXPORT_URL_TTL_SECONDS: positiveInt.max(MAX_EXPORT_URL_TTL_SECONDS).default(3600),
  SHARE_URL_TTL_SECONDS: positiveInt.max(MAX_SHARE_URL_TTL_SECONDS).default(7 * 24 * 3600),
  /** smtp[s]://[user:pass@]host:port for `reports/share` by email; unset, that channel is refused. */
  SMTP_URL: z.string().regex(/^smtps?:\/\/[^/]/, 'must be an smtp:// or smtps:// URL').optional(),
  SMTP_FROM: z.string().min(3).default('Sitewarden <sitewarden@localhost>'),
  /** Notifications (docs/notifications.md): the first retry's delay (doubling up to a minute) and the attempts per delivery. */
  NOTIFY_RETRY_INITIAL_MS: positiveInt.min(10).max(60_000).default(2_000),
  NOTIFY_MAX_ATTEMPTS: positiveInt.max(50).default(8),
  /** Per attempt: the receiver's answer must come within this (a webhook, Slack, the SMTP session). */
  NOTIFY_SEND_TIMEOUT_MS: positiveInt.min(100).max(120_000).default(10_000),
  /** The dispatcher polls the outbox this often besides waking on NOTIFY; it sweeps task SLAs every NOTIFY_SLA_SWEEP_MS. */
  NOTIFY_DISPATCH_POLL_MS: positiveInt.min(50).max(60_000).default(2_000),
  NOTIFY_SLA_SWEEP_MS: positiveInt.min(100).max(3_600_000).default(60_000),
  /**
   * A workflow bundle made ahead (bundleWorkflowCode's output, as `npm run build` writes
   * dist/workflow-bundle.js): a worker loads it instead of running webpack at start. It must be
   * built from the same workflow code as the worker's (docs/deploy.md, "The production build").
   */
  WORKFLOW_BUNDLE_PATH: z.string().min(1).optional(),
  /**
   * Prometheus text: the API serves it at GET /metrics, each worker on its own port (0: a free
   * one, logged). With a token set, both ask for `Authorization: Bearer <token>` (docs/deploy.md).
   */
  WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  WORKER_METRICS_PORT: port.default(9464),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** The Temporal Web UI (`http://127.0.0.1:8233`): `GET scans/:id` links each run to its workflow there. */
  TEMPORAL_UI_URL: z.url({ protocol: /^https?$/ }).optional(),
});

export type Env = z.infer<typeof envSchema>;

export interface Config extends Env {
  allowlist: HostAllowlist;
}

/** The endpoints the settings name: the API's, Temporal's (and its dev UI's) and the database's (docs/scanning.md, SSRF guard). */
function configuredEndpoints(env: Env): { host: string; port: number }[] {
  const temporal = parseEndpoint(env.TEMPORAL_ADDRESS, 7233);
  return [
    { host: normaliseHost(env.HOST), port: env.PORT },
    temporal,
    // The dev server's Web UI (`temporal server start-dev`: the frontend port + 1000).
    temporal && temporal.port + 1000 <= 65_535 ? { host: temporal.host, port: temporal.port + 1000 } : undefined,
    parseEndpoint(env.DATABASE_URL, 5432),
    // A worker's metrics port (0 picks one at start, reserved there).
    env.WORKER_METRICS_PORT > 0 ? { host: normaliseHost(env.WORKER_METRICS_HOST), port: env.WORKER_METRICS_PORT } : undefined,
  ].filter((endpoint) => endpoint !== undefined);
}

/** The per-browser limits the settings describe (at the normal CPU priority). */
export function browserLimits(config: Pick<Env, 'BROWSER_MEMORY_LIMIT_MB' | 'BROWSER_CPU_TIME_LIMIT_SECONDS' | 'BROWSER_WALL_CLOCK_LIMIT_SECONDS' | 'BROWSER_MAX_PROCESSES' | 'BROWSER_CPU_CORES' | 'BROWSER_CGROUP_PARENT'>): BrowserLimits {
  return {
    memoryBytes: config.BROWSER_MEMORY_LIMIT_MB * 1024 * 1024,
    cpuSeconds: config.BROWSER_CPU_TIME_LIMIT_SECONDS,
    wallClockMs: config.BROWSER_WALL_CLOCK_LIMIT_SECONDS * 1000,
    maxProcesses: config.BROWSER_MAX_PROCESSES,
    cpuCores: config.BROWSER_CPU_CORES,
    cgroupParent: config.BROWSER_CGROUP_PARENT === 'off' ? undefined : config.BROWSER_CGROUP_PARENT,
  };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and validates the environment; the error names each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const blankless = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const parsed = envSchema.safeParse(blankless);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  if (parsed.data.NODE_ENV === 'production' && !parsed.data.SITEWARDEN_SECRET) {
    throw new ConfigError('invalid configuration:\n  SITEWARDEN_SECRET: required in production');
  }
  // An email's link would otherwise name whatever host the sharing request said it was for.
  if (parsed.data.SMTP_URL && !parsed.data.PUBLIC_BASE_URL) {
    throw new ConfigError('invalid configuration:\n  PUBLIC_BASE_URL: required when SMTP_URL is set (email links must not come from a request\'s Host header)');
  }
  let allowlist: HostAllowlist;
  try {
    allowlist = parseHostAllowlist(parsed.data.SITEWARDEN_ALLOW_PRIVATE_HOSTS, ownEndpoints(configuredEndpoints(parsed.data)));
  } catch (err) {
    throw new ConfigError(`invalid configuration:\n  SITEWARDEN_ALLOW_PRIVATE_HOSTS: ${(err as Error).message}`);
  }
  return { ...parsed.data, allowlist };
}
