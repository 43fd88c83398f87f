import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resumeQueuedWork, type ResumeOutcome } from '../services/resume.ts';
import { createApp } from './app.ts';
import type { ApiDeps } from './deps.ts';

export interface RunningApi {
  server: Server;
  url: string;
  /** The background resume of queued runs and reports; it never rejects. */
  resumed: Promise<ResumeOutcome>;
}

/**
 * Listens first, then resumes queued work in the background: the API serves (and answers its
 * health checks) however long the backlog, and whatever Temporal answers.
 */
export async function startApiServer(deps: ApiDeps, options: { host: string; port: number; resumeBatchSize?: number }): Promise<RunningApi> {
  const server = createServer(createApp(deps));
  await new Promise<void>((resolve) => server.listen(options.port, options.host, resolve));
  const { port } = server.address() as AddressInfo;
  const resumed = resumeQueuedWork({
    prisma: deps.db.prisma,
    temporal: deps.temporal,
    taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
    logger: deps.logger,
    ...(options.resumeBatchSize ? { batchSize: options.resumeBatchSize } : {}),
  });
  return { server, url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`, resumed };
}
