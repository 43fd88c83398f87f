import { loadConfig } from '../platform/config.ts';
import { connectDatabase } from '../platform/db.ts';
import { closeConnection } from '../platform/grpc-retry.ts';
import { createLogger } from '../platform/logger.ts';
import { runMain } from '../platform/process.ts';
import { createTemporalClient } from '../platform/temporal.ts';
import { startApiServer } from './server.ts';

runMain(async () => {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, 'api');
  const db = connectDatabase(config.DATABASE_URL, config.DATABASE_POOL_SIZE);
  // Connected on first use: the API starts whether or not Temporal is up (readyz tells which).
  const temporal = createTemporalClient(config);
  // Runs written by an API process that died before starting their workflow are resumed in the
  // background once the API listens and Temporal answers; an error there is logged, never fatal.
  const api = await startApiServer({ config, db, temporal, logger }, { host: config.HOST, port: config.PORT });
  logger.info({ url: api.url }, 'api listening');
  return async () => {
    await api.close();
    await closeConnection(temporal.connection);
    await db.close();
  };
});
