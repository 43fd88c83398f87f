import { createServer } from 'node:net';
import { SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, type NativeConnection, Runtime } from '@temporalio/worker';
import { reserveOwnPort } from '../gather/ssrf/own-endpoints.ts';
import { temporalLogger, type Logger } from './logger.ts';
import { SEARCH_ATTRIBUTE_FLAGS, SEARCH_ATTRIBUTE_KEYS } from './search-attributes.ts';

export interface TemporalRuntime {
  /** The Core's Prometheus text (`temporal_…` metrics), or '' when it does not answer. */
  coreMetrics(): Promise<string>;
  /** Where the Core's exporter listens (loopback only: it is served through the worker's /metrics). */
  coreMetricsAddress: string;
}

/** A free loopback port: the Core's exporter takes an address, and reports none back for port 0. */
async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const CORE_SCRAPE_TIMEOUT_MS = 2_000;

/**
 * Installs the process's Temporal Runtime, before any connection: the SDK's logs (worker,
 * activities, workflows' `log`, and the Core's own, forwarded) go to the process's pino logger,
 * and the Core's metrics to a Prometheus exporter on a loopback port of its own, which the
 * worker's /metrics appends to its own registry's text (one endpoint, one token).
 */
export async function installTemporalRuntime(logger: Logger): Promise<TemporalRuntime> {
  const port = await freeLoopbackPort();
  // No scan may reach it: it is one of this instance's own services (docs/scanning.md, SSRF guard).
  reserveOwnPort(port);
  const coreMetricsAddress = `127.0.0.1:${port}`;
  Runtime.install({
    logger: temporalLogger(logger.child({ component: 'temporal' })),
    telemetryOptions: {
      logging: { forward: {}, filter: { core: 'WARN', other: 'ERROR' } },
      metrics: { prometheus: { bindAddress: coreMetricsAddress, useSecondsForDurations: true } },
    },
  });
  return {
    coreMetricsAddress,
    async coreMetrics() {
      try {
        const res = await fetch(`http://${coreMetricsAddress}/metrics`, { signal: AbortSignal.timeout(CORE_SCRAPE_TIMEOUT_MS) });
        return res.ok ? await res.text() : '';
      } catch {
        return '';
      }
    },
  };
}

/**
 * The workflows bundled at start, with webpack's report at debug level: at info it printed a page
 * of module sizes at every worker start. The bundle's size and time are one info line instead.
 */
export async function bundleWorkflows(workflowsPath: string, logger: Logger): Promise<{ code: string }> {
  const started = Date.now();
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: temporalLogger(logger.child({ component: 'bundler' }), 1) });
  logger.info({ bytes: Buffer.byteLength(code), ms: Date.now() - started }, 'workflow bundle ready');
  return { code };
}

/**
 * Registers the search attributes a cluster lacks (operator service; adding is idempotent), so a
 * production cluster needs no manual step. Where the operator service is not offered (Temporal
 * Cloud), it logs what to register by hand (docs/deploy.md) and the worker runs on: starting a
 * workflow then fails with the attribute's name, which the API answers as 503.
 */
export async function ensureSearchAttributes(connection: NativeConnection, namespace: string, logger: Logger): Promise<string[]> {
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = SEARCH_ATTRIBUTE_KEYS.filter((key) => !customAttributes?.[key.name]);
    if (missing.length > 0) {
      await connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(
          missing.map((key) => [key.name, key.type === SearchAttributeType.TEXT ? temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_TEXT : temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
        ),
      });
      logger.info({ added: missing.map((key) => key.name), namespace }, 'search attributes registered');
    }
    return missing.map((key) => key.name);
  } catch (err) {
    logger.error(
      { err: { name: (err as Error)?.name, message: (err as Error)?.message }, needed: SEARCH_ATTRIBUTE_FLAGS },
      'could not check or register the search attributes; register them with `temporal operator search-attribute create` (docs/deploy.md)',
    );
    return [];
  }
}
