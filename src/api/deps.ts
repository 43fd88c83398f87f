import type { Client } from '@temporalio/client';
import type { Config } from '../platform/config.ts';
import type { Database } from '../platform/db.ts';
import type { Logger } from '../platform/logger.ts';
import type { ApiMetrics } from '../platform/metrics.ts';

export interface ApiDeps {
  config: Config;
  db: Database;
  temporal: Client;
  logger: Logger;
  /** The process's registry (GET /metrics); a fresh one when absent. */
  metrics?: ApiMetrics;
}
