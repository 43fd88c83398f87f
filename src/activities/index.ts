import { createBrowserShare } from './browser-share.ts';
import { createBrowserQueueActivities } from './browser-queue.ts';
import { createMainQueueActivities, type ActivityDeps } from './main-queue.ts';

export type { ActivityDeps } from './main-queue.ts';

/**
 * Every activity, both queues' (the type the workflows proxy, and a test's single registry).
 * Workers register one queue's set each (src/worker-setup.ts), so this module, which loads the
 * browser code, is imported for its type only by anything the main worker loads.
 */
export function createActivities(deps: ActivityDeps) {
  // One per worker process: its Chromium slots are shared by the scanners and the verifications.
  const browserShare = createBrowserShare(deps.prisma, deps.config, deps.metrics);
  return { ...createMainQueueActivities(deps, browserShare), ...createBrowserQueueActivities(deps, browserShare) };
}

export type Activities = ReturnType<typeof createActivities>;
