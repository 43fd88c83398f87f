import type { Client } from '@temporalio/client';
import type { Config } from '../platform/config.ts';
import type { Database } from '../platform/db.ts';
import type { Logger } from '../platform/logger.ts';

export interface ApiDeps {
  config: Config;
  db: Database;
  temporal: Client;
  logger: Logger;
}
