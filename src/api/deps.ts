import type { Client } from '@temporalio/client';
import type { Config } from '../platform/config.ts';
import type { Database } from '../platform/db.ts';
import type { Logger } from '../platform/logger.ts';
import type { ScanEventHub } from '../services/scan-event-hub.ts';
import type { ApiMetrics } from '../platform/metrics.ts';

export interface ApiDeps {
  config: Config;
  db: Database;
  temporal: Client;
  logger: Logger;
  /**
   * The fan-out of scan progress events to open streams; its owner ends them at shutdown
   * (startApiServer). Absent, the app makes its own, which nothing ends.
   */
  scanEvents?: ScanEventHub;
  /** The process's registry (GET /metrics); a fresh one when absent. */
  metrics?: ApiMetrics;
}
