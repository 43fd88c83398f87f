import { NativeConnection } from '@temporalio/worker';
import { checkStoredProviderKeys } from './ai/provider-settings.ts';
import { removeStaleBrowserHomes } from './gather/browser.ts';
import { createSafeFetcher } from './gather/safe-fetch.ts';
import { loadConfig } from './platform/config.ts';
import { connectDatabase } from './platform/db.ts';
import { createLogger } from './platform/logger.ts';
import { createWorkerMetrics, serveMetrics } from './platform/metrics.ts';
import { ensureSearchAttributes, installTemporalRuntime } from './platform/temporal-runtime.ts';
import { reserveOwnPort } from './gather/ssrf/own-endpoints.ts';
import { runMain } from './platform/process.ts';
import { startNotificationDispatcher } from './notifications/dispatcher.ts';
import { ensureSweeperSchedule, SWEEPER_SCHEDULE_ID } from './services/sweeper-schedule.ts';
import { createWorkers, workerRole } from './worker-setup.ts';

runMain(async () => {
  // --role main|browser|all (default all): which task queues this process polls (worker-setup.ts).
  const role = workerRole(process.argv.slice(2));
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, 'worker');
  const db = connectDatabase(config.DATABASE_URL, config.DATABASE_POOL_SIZE);
  // A wrong SITEWARDEN_SECRET stops the worker here, with the reason, rather than failing every AI stage.
  await checkStoredProviderKeys(db.prisma, config);
  const fetcher = createSafeFetcher({
    allowlist: config.allowlist,
    timeoutMs: config.SCAN_FETCH_TIMEOUT_MS,
    maxBytes: config.SCAN_MAX_PAGE_BYTES,
  });
  // What a killed worker left behind: its browsers died with it, their homes did not.
  const staleHomes = await removeStaleBrowserHomes();
  if (staleHomes) logger.info({ removed: staleHomes }, 'removed browser homes left by workers that died');
  // Before the first connection: the SDK's logs and metrics are the process's from then on.
  const runtime = await installTemporalRuntime(logger);
  const metrics = createWorkerMetrics();
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  await ensureSearchAttributes(connection, config.TEMPORAL_NAMESPACE, logger);
  const workers = await createWorkers({ connection, config, prisma: db.prisma, fetcher, metrics, logger, role });
  const metricsServer = await serveMetrics({
    host: config.WORKER_METRICS_HOST,
    port: config.WORKER_METRICS_PORT,
    token: config.METRICS_TOKEN,
    registry: metrics.registry,
    extra: runtime.coreMetrics,
    logger,
  });
  reserveOwnPort(Number(new URL(metricsServer.url).port));
  logger.info({ url: metricsServer.url, core: runtime.coreMetricsAddress }, 'worker metrics listening');
  const running = Promise.all(workers.map((w) => w.run()));
  // The sweeper's Schedule, made by whichever worker starts first (docs/deploy.md); a failure here
  // leaves the workers running and is retried at the next start.
  ensureSweeperSchedule(workers[0]!.client!, config).then(
    (state) => logger.info({ schedule: SWEEPER_SCHEDULE_ID, state }, 'sweeper schedule'),
    (err: Error) => logger.error({ err: { name: err.name, message: err.message } }, 'could not create the sweeper schedule'),
  );
  // The outbox relay runs beside the main queue's workers (any number of them: docs/notifications.md).
  const dispatcher =
    role === 'browser'
      ? undefined
      : startNotificationDispatcher({
          prisma: db.prisma,
          client: workers[0]!.client!,
          taskQueue: config.TEMPORAL_TASK_QUEUE,
          listener: db.listener,
          pollMs: config.NOTIFY_DISPATCH_POLL_MS,
          slaSweepMs: config.NOTIFY_SLA_SWEEP_MS,
          logger,
        });
  logger.info({ role, taskQueue: config.TEMPORAL_TASK_QUEUE, browserTaskQueue: config.TEMPORAL_BROWSER_TASK_QUEUE }, 'worker running');
  return async () => {
    // Shutdown cancels running activities: the browser scanners close Chromium on that signal.
    // First and synchronously: the SDK drains the workers on the same signal, and shutdown() of a
    // draining worker throws.
    for (const worker of workers) worker.shutdown();
    await dispatcher?.stop();
    await running;
    await metricsServer.close();
    await connection.close();
    await fetcher.close();
    await db.close();
  };
});
