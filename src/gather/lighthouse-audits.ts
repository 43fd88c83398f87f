import { execFile } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { z } from 'zod';

// Lighthouse is ESM-only and Jest runs this code as CommonJS: the config is read by a child.
const DEFAULT_CONFIG = require.resolve('lighthouse/core/config/default-config.js');
const READ_TIMEOUT_MS = 60_000;

let known: Promise<ReadonlySet<string>> | undefined;

/**
 * The ids of the performance audits of the installed Lighthouse (its default config's
 * performance category): the only audit ids a Lighthouse or PageSpeed Insights result may name.
 * Read once per process (a child importing the config, about a second); a failed read is retried
 * by the next call.
 */
export function lighthousePerformanceAudits(): Promise<ReadonlySet<string>> {
  known ??= readAudits().catch((error: unknown) => {
    known = undefined;
    throw error;
  });
  return known;
}

async function readAudits(): Promise<ReadonlySet<string>> {
  const script =
    `const { default: config } = await import(${JSON.stringify(pathToFileURL(DEFAULT_CONFIG).href)});` +
    'process.stdout.write(JSON.stringify(config.categories.performance.auditRefs.map((ref) => ref.id)));';
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { timeout: READ_TIMEOUT_MS, maxBuffer: 1 << 20 });
  return new Set(z.array(z.string().min(1).max(100)).min(1).max(500).parse(JSON.parse(stdout)));
}
