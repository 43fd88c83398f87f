import { type NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from './activities/index.ts';
import { browserTaskSlots } from './activities/browser-share.ts';
import type { Config } from './platform/config.ts';
import type { Db } from './platform/db.ts';
import type { Logger } from './platform/logger.ts';
import { scannerMetricsInterceptor, type WorkerMetrics } from './platform/metrics.ts';
import { bundleWorkflows } from './platform/temporal-runtime.ts';
import type { SafeFetcher } from './gather/safe-fetch.ts';

const WORKFLOWS_PATH = require.resolve('./workflows/index.ts');

export interface WorkerDeps {
  connection: NativeConnection;
  config: Config;
  prisma: Db;
  fetcher: SafeFetcher;
  /** A prebuilt workflow bundle (tests share one); otherwise the workflows are bundled at start. */
  workflowBundle?: { code: string } | { codePath: string };
  /** The worker's registry: scans, scanner attempts, browser queue waits (platform/metrics.ts). */
  metrics?: WorkerMetrics;
  /** With a logger, the workflows are bundled quietly (platform/temporal-runtime.ts). */
  logger?: Logger;
}

/**
 * Two workers in one process: the main queue runs workflows and light activities; the browser
 * queue runs Lighthouse and axe, BROWSER_CONCURRENCY at a time (activities/browser-share.ts, which
 * also shares them fairly between orgs), so a light scan never waits behind a Chromium run.
 */
export async function createWorkers({ connection, config, prisma, fetcher, workflowBundle, metrics, logger }: WorkerDeps): Promise<Worker[]> {
  const activities = createActivities({ prisma, config, fetcher, metrics });
  const common = {
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    activities,
    ...(metrics ? { interceptors: { activity: [scannerMetricsInterceptor(metrics)] } } : {}),
  };
  const bundle = workflowBundle ?? (logger ? await bundleWorkflows(WORKFLOWS_PATH, logger) : undefined);
  return Promise.all([
    Worker.create({
      ...common,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      ...(bundle ? { workflowBundle: bundle } : { workflowsPath: WORKFLOWS_PATH }),
    }),
    Worker.create({
      ...common,
      taskQueue: config.TEMPORAL_BROWSER_TASK_QUEUE,
      // More tasks than Chromium slots: the others wait for a slot, or are turned back because
      // their org is at its share, so a flood of one org's tasks never blocks the queue.
      maxConcurrentActivityTaskExecutions: browserTaskSlots(config),
    }),
  ]);
}
