import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities/index.ts';
import { createApp } from '../../src/api/app.ts';
import { loadConfig, type Config } from '../../src/platform/config.ts';
import { connectDatabase, type Database } from '../../src/platform/db.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { startTemporal, WORKFLOWS_PATH } from './temporal.ts';

export interface Stack {
  baseUrl: string;
  config: Config;
  db: Database;
  temporal: TestWorkflowEnvironment;
  /** Starts an API on the same database and Temporal (another "process" sharing state). */
  startAnotherApi(): Promise<string>;
  close(): Promise<void>;
}

/**
 * The API and a worker on a real Temporal dev server and the test database, in-process.
 * Each stack has its own task queue; env overrides tune limits.
 */
export async function startStack(env: Record<string, string> = {}, options: { worker?: boolean } = {}): Promise<Stack> {
  const temporal = await startTemporal();
  const config = loadConfig({ ...process.env, TEMPORAL_TASK_QUEUE: `test-${randomUUID()}`, ...env });
  const db = connectDatabase(config.DATABASE_URL, 5);
  const logger = createLogger('silent', 'test');

  const servers: Server[] = [];
  const listen = async () => {
    const server = createServer(createApp({ config, db, temporal: temporal.client, logger }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  const baseUrl = await listen();

  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  if (options.worker !== false) {
    worker = await Worker.create({
      connection: temporal.nativeConnection,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      workflowsPath: WORKFLOWS_PATH,
      activities: createActivities({ prisma: db.prisma }),
    });
    running = worker.run();
  }

  return {
    baseUrl,
    config,
    db,
    temporal,
    startAnotherApi: listen,
    async close() {
      worker?.shutdown();
      await running;
      await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
      await temporal.teardown();
      await db.close();
    },
  };
}
