import type { SafeFetcher } from '../../gather/safe-fetch.ts';
import type { Config } from '../../platform/config.ts';
import { resolveInstanceSecret } from '../../platform/crypto.ts';
import type { Db } from '../../platform/db.ts';
import { createStorage } from '../../platform/storage/index.ts';
import { createReportExportActivities } from './export.ts';
import { createReportShareActivities } from './share.ts';

/** ReportExportWorkflow's and ReportShareWorkflow's activities, on the configured storage. */
export function createReportActivities({ prisma, config, fetcher }: { prisma: Db; config: Config; fetcher: SafeFetcher }) {
  const secret = resolveInstanceSecret(config);
  const storage = createStorage(config);
  return {
    ...createReportExportActivities({ prisma, config, storage, secret }),
    ...createReportShareActivities({ prisma, config, fetcher, secret }),
  };
}
