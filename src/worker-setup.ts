import { existsSync } from 'node:fs';
import path from 'node:path';
import { type NativeConnection, Worker } from '@temporalio/worker';
import { browserTaskSlots, createBrowserShare } from './activities/browser-share.ts';
import { createMainQueueActivities } from './activities/main-queue.ts';
import { ConfigError, type Config } from './platform/config.ts';
import type { Db } from './platform/db.ts';
import type { Logger } from './platform/logger.ts';
import { scannerMetricsInterceptor, type WorkerMetrics } from './platform/metrics.ts';
import { bundleWorkflows } from './platform/temporal-runtime.ts';
import type { Resolver, SafeFetcher } from './gather/safe-fetch.ts';

/**
 * What one worker process polls: `main` the main queue (workflows and light activities), `browser`
 * the browser queue (Lighthouse, axe, PDFs), `all` both (`npm run worker`, ./scripts/dev, tests).
 * Production runs one process of each role (docs/deploy.md), so only the browser worker loads
 * Playwright and axe-core.
 */
export const WORKER_ROLES = ['main', 'browser', 'all'] as const;
export type WorkerRole = (typeof WORKER_ROLES)[number];

/** `--role main|browser|all` (default all) from the worker's arguments. */
export function workerRole(argv: readonly string[]): WorkerRole {
  const at = argv.findIndex((arg) => arg === '--role' || arg.startsWith('--role='));
  if (at === -1) return 'all';
  const value = argv[at]!.includes('=') ? argv[at]!.slice('--role='.length) : argv[at + 1];
  const role = WORKER_ROLES.find((r) => r === value);
  // A ConfigError: runMain prints the message alone and exits 1.
  if (!role) throw new ConfigError(`--role must be one of ${WORKER_ROLES.join(', ')} (got ${JSON.stringify(value ?? '')})`);
  return role;
}

/**
 * `npm run build` writes the workflow bundle beside the compiled worker (dist/workflow-bundle.js):
 * a worker from dist/ loads it instead of running webpack at every start. From the sources
 * (tsx) there is none, and the workflows are bundled at start, unless WORKFLOW_BUNDLE_PATH names
 * one made ahead (the tests' worker processes load the one Jest's global setup makes).
 */
export const PREBUILT_WORKFLOW_BUNDLE = path.join(__dirname, 'workflow-bundle.js');

export async function workflowSource(config: Config, logger: Logger | undefined): Promise<{ workflowBundle: { codePath: string } | { code: string } } | { workflowsPath: string }> {
  if (config.WORKFLOW_BUNDLE_PATH) return { workflowBundle: { codePath: config.WORKFLOW_BUNDLE_PATH } };
  if (existsSync(PREBUILT_WORKFLOW_BUNDLE)) return { workflowBundle: { codePath: PREBUILT_WORKFLOW_BUNDLE } };
  // index.ts from the sources, index.js from dist/ without a bundle.
  const workflowsPath = require.resolve(`./workflows/index${path.extname(__filename)}`);
  // With a logger, bundled quietly: one line, not webpack's report (platform/temporal-runtime.ts).
  return logger ? { workflowBundle: await bundleWorkflows(workflowsPath, logger) } : { workflowsPath };
}

export interface WorkerDeps {
  connection: NativeConnection;
  config: Config;
  prisma: Db;
  fetcher: SafeFetcher;
  /** A prebuilt workflow bundle (tests share one); otherwise dist's, or the workflows bundled at start. */
  workflowBundle?: { code: string } | { codePath: string };
  /** The worker's registry: scans, scanner attempts, browser queue waits (platform/metrics.ts). */
  metrics?: WorkerMetrics;
  /** With a logger, the workflows are bundled quietly (platform/temporal-runtime.ts). */
  logger?: Logger;
  role?: WorkerRole;
  /** The DNS resolver behind the SSRF guard of the tracker SDKs' connections; the system's by default (tests inject one). */
  resolve?: Resolver;
}

/**
 * The main queue runs workflows and light activities; the browser queue runs Lighthouse
 * BROWSER_CONCURRENCY at a time and axe BROWSER_AXE_CONCURRENCY at a time beside it
 * (activities/browser-share.ts, which also shares them fairly between orgs), so a light scan never
 * waits behind a Chromium run. One process may run both (role `all`).
 */
export async function createWorkers({ connection, config, prisma, fetcher, workflowBundle, metrics, logger, role = 'all', resolve }: WorkerDeps): Promise<Worker[]> {
  const deps = { prisma, config, fetcher, metrics, resolve };
  // One per process: its Chromium slots are shared by the scanners and the verifications.
  const browserShare = createBrowserShare(prisma, config, metrics);
  const common = {
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    ...(metrics ? { interceptors: { activity: [scannerMetricsInterceptor(metrics)] } } : {}),
  };
  const workers: Promise<Worker>[] = [];
  if (role !== 'browser') {
    workers.push(
      (async () =>
        Worker.create({
          ...common,
          taskQueue: config.TEMPORAL_TASK_QUEUE,
          activities: createMainQueueActivities(deps, browserShare),
          ...(workflowBundle ? { workflowBundle } : await workflowSource(config, logger)),
        }))(),
    );
  }
  if (role !== 'main') {
    // Imported here, not at the top: this module graph holds Playwright and axe-core.
    const { createBrowserQueueActivities } = await import('./activities/browser-queue.ts');
    workers.push(
      Worker.create({
        ...common,
        taskQueue: config.TEMPORAL_BROWSER_TASK_QUEUE,
        activities: createBrowserQueueActivities(deps, browserShare),
        // More tasks than Chromium slots: the others wait for a slot, or are turned back because
        // their org is at its share, so a flood of one org's tasks never blocks the queue.
        maxConcurrentActivityTaskExecutions: browserTaskSlots(config),
      }),
    );
  }
  return Promise.all(workers);
}
