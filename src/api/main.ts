import { createServer } from 'node:http';
import { loadConfig } from '../platform/config.ts';
import { connectDatabase } from '../platform/db.ts';
import { createLogger } from '../platform/logger.ts';
import { runMain } from '../platform/process.ts';
import { connectTemporalClient } from '../platform/temporal.ts';
import { resumeQueuedReports } from '../reports/kickoff.ts';
import { resumeQueuedScans } from '../services/scan-kickoff.ts';
import { createApp } from './app.ts';

runMain(async () => {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, 'api');
  const db = connectDatabase(config.DATABASE_URL, config.DATABASE_POOL_SIZE);
  const temporal = await connectTemporalClient(config);
  // Runs written by an API process that died before starting their workflow.
  const resumed = {
    scans: await resumeQueuedScans(db.prisma, temporal, config.TEMPORAL_TASK_QUEUE),
    reports: await resumeQueuedReports(db.prisma, temporal, config.TEMPORAL_TASK_QUEUE),
  };
  if (resumed.scans || resumed.reports) logger.info(resumed, 'started the workflows of queued scan runs and reports');
  const server = createServer(createApp({ config, db, temporal, logger }));
  await new Promise<void>((resolve) => server.listen(config.PORT, config.HOST, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  logger.info({ url: `http://${config.HOST}:${port}` }, 'api listening');
  return async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await temporal.connection.close();
    await db.close();
  };
});
