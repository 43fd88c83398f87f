import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from './activities/index.ts';
import { loadConfig } from './platform/config.ts';
import { connectDatabase } from './platform/db.ts';
import { createLogger } from './platform/logger.ts';
import { runMain } from './platform/process.ts';

const WORKFLOWS_PATH = require.resolve('./workflows/index.ts');

runMain(async () => {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, 'worker');
  const db = connectDatabase(config.DATABASE_URL, config.DATABASE_POOL_SIZE);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowsPath: WORKFLOWS_PATH,
    activities: createActivities({ prisma: db.prisma }),
  });
  const running = worker.run();
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, namespace: config.TEMPORAL_NAMESPACE }, 'worker running');
  return async () => {
    worker.shutdown();
    await running;
    await connection.close();
    await db.close();
  };
});
