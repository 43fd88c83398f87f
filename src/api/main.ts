import { loadConfig } from '../platform/config.ts';
import { connectDatabase } from '../platform/db.ts';
import { createLogger } from '../platform/logger.ts';
import { runMain } from '../platform/process.ts';
import { connectTemporalClient } from '../platform/temporal.ts';
import { startApiServer } from './server.ts';

runMain(async () => {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, 'api');
  const db = connectDatabase(config.DATABASE_URL, config.DATABASE_POOL_SIZE);
  const temporal = await connectTemporalClient(config);
  // Runs written by an API process that died before starting their workflow are resumed in the
  // background once the API listens; an error there is logged, never fatal.
  const api = await startApiServer({ config, db, temporal, logger }, { host: config.HOST, port: config.PORT });
  logger.info({ url: api.url }, 'api listening');
  return async () => {
    await api.close();
    await temporal.connection.close();
    await db.close();
  };
});
