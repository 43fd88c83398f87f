import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { createApp } from '../../src/api/app.ts';
import { createSafeFetcher, type Resolver } from '../../src/gather/safe-fetch.ts';
import { parseEndpoint, reserveOwnPort } from '../../src/gather/ssrf/own-endpoints.ts';
import { loadConfig, type Config } from '../../src/platform/config.ts';
import { connectDatabase, type Database } from '../../src/platform/db.ts';
import { createLogger, type Logger } from '../../src/platform/logger.ts';
import { serializeScanRun } from '../../src/api/serializers/scan-run.ts';
import { createScanEventHub, type ScanEventHub } from '../../src/services/scan-event-hub.ts';
import { createWorkers } from '../../src/worker-setup.ts';
import { startNotificationDispatcher, type Dispatcher } from '../../src/notifications/dispatcher.ts';
import { startTemporal, workflowBundle } from './temporal.ts';

export interface Stack {
  baseUrl: string;
  config: Config;
  db: Database;
  temporal: TestWorkflowEnvironment;
  /** The first API's fan-out of scan events (its open streams). */
  scanEvents: ScanEventHub;
  /** Starts an API on the same database and Temporal (another "process" sharing state). */
  startAnotherApi(): Promise<string>;
  /** The env a real worker or API process (spawnService) needs to join this stack's Temporal, queues and database. */
  serviceEnv(extra?: Record<string, string>): Record<string, string>;
  close(): Promise<void>;
}

/**
 * The API and the workers on a real Temporal dev server and the test database, in-process.
 * Each stack has its own task queues; env overrides tune limits. Fixture sites on 127.0.0.1
 * are allowlisted.
 */
export async function startStack(env: Record<string, string> = {}, options: { worker?: boolean; logger?: Logger; dispatcher?: boolean; resolve?: Resolver } = {}): Promise<Stack> {
  const temporal = await startTemporal();
  const queue = `test-${randomUUID()}`;
  const config = loadConfig({
    ...process.env,
    TEMPORAL_TASK_QUEUE: queue,
    TEMPORAL_BROWSER_TASK_QUEUE: `${queue}-browser`,
    SITEWARDEN_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
    // Polling tests would hit Krafter's budgets; the rate-limit tests set their own.
    RATE_LIMIT_DEFAULT_MAX: '100000',
    RATE_LIMIT_STRICT_MAX: '100000',
    ...env,
  });
  const db = connectDatabase(config.DATABASE_URL, 5);
  const logger = options.logger ?? createLogger('silent', 'test');
  const fetcher = createSafeFetcher({ allowlist: config.allowlist, timeoutMs: config.SCAN_FETCH_TIMEOUT_MS });

  const servers: Server[] = [];
  const hubs: ScanEventHub[] = [];
  // The stack's API and Temporal listen on ports chosen at run time: like the real processes' (set
  // in PORT and TEMPORAL_ADDRESS), no scan may reach them, though 127.0.0.1 is allowlisted.
  const releases = [reserveOwnPort(parseEndpoint(temporal.address)?.port ?? 0)];
  const listen = async () => {
    const scanEvents = createScanEventHub({ prisma: db.prisma, listener: db.listener, render: serializeScanRun });
    hubs.push(scanEvents);
    const server = createServer(createApp({ config, db, temporal: temporal.client, logger, scanEvents }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    const { port } = server.address() as AddressInfo;
    releases.push(reserveOwnPort(port));
    return `http://127.0.0.1:${port}`;
  };
  const baseUrl = await listen();

  let workers: Worker[] = [];
  let running: Promise<unknown> | undefined;
  if (options.worker !== false) {
    workers = await createWorkers({ connection: temporal.nativeConnection, config, prisma: db.prisma, fetcher, workflowBundle: workflowBundle(), resolve: options.resolve });
    running = Promise.all(workers.map((w) => w.run()));
  }
  // The outbox relay, as a main worker process runs it (src/worker.ts). Only when asked: test files
  // share one database but not one Temporal, and a relay dispatches every stack's events to its own.
  const dispatcher: Dispatcher | undefined =
    options.dispatcher
      ? startNotificationDispatcher({
          prisma: db.prisma,
          client: temporal.client,
          taskQueue: queue,
          listener: db.listener,
          pollMs: config.NOTIFY_DISPATCH_POLL_MS,
          slaSweepMs: config.NOTIFY_SLA_SWEEP_MS,
          logger,
        })
      : undefined;

  return {
    baseUrl,
    config,
    db,
    temporal,
    scanEvents: hubs[0]!,
    startAnotherApi: listen,
    serviceEnv: (extra = {}) => ({
      DATABASE_URL: config.DATABASE_URL,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: config.TEMPORAL_TASK_QUEUE,
      TEMPORAL_BROWSER_TASK_QUEUE: config.TEMPORAL_BROWSER_TASK_QUEUE,
      SITEWARDEN_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
      // Test files share the database but not Temporal: a worker process's sweeper would find
      // another file's open runs missing from its own server and close them (the metrics test,
      // late in a run, counted two such closes). Nothing in the tests is that old.
      SWEEP_GRACE_SECONDS: String(30 * 24 * 3600),
      // The bundle Jest's global setup made: a worker process starts without webpack (about 3 s of CPU).
      WORKFLOW_BUNDLE_PATH: workflowBundle().codePath,
      ...extra,
    }),
    async close() {
      await dispatcher?.stop();
      for (const worker of workers) worker.shutdown();
      await running;
      for (const hub of hubs) hub.close();
      await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
      await temporal.teardown();
      await fetcher.close();
      await db.close();
      for (const release of releases) release();
    },
  };
}
