import type { Db } from '../platform/db.ts';
import { createScanRunActivities } from './scan-runs.ts';

export interface ActivityDeps {
  prisma: Db;
}

export function createActivities({ prisma }: ActivityDeps) {
  return {
    ...createScanRunActivities(prisma),
  };
}

export type Activities = ReturnType<typeof createActivities>;
