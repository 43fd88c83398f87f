/**
 * A worker's share activity alone, as its own process: `node --import tsx deliver-share-child.ts <delivery id>`.
 * The share-delivery test kills it (its whole process group) while it is sending.
 */
import { createReportShareActivities } from '../../src/activities/reports/share.ts';
import { createSafeFetcher } from '../../src/gather/safe-fetch.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { resolveInstanceSecret } from '../../src/platform/crypto.ts';
import { connectDatabase } from '../../src/platform/db.ts';

const config = loadConfig();
const db = connectDatabase(config.DATABASE_URL, 1);
const fetcher = createSafeFetcher({ allowlist: config.allowlist, timeoutMs: config.SCAN_FETCH_TIMEOUT_MS });
const activities = createReportShareActivities({ prisma: db.prisma, config, fetcher, secret: resolveInstanceSecret(config) });
void (async () => {
  await activities.deliverReportShare(process.argv[2]!);
  await db.close();
  await fetcher.close();
})();
