import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { untilTemporalAnswers } from '../platform/temporal.ts';
import { resumeQueuedWork, type ResumeOutcome } from '../services/resume.ts';
import { createApp } from './app.ts';
import type { ApiDeps } from './deps.ts';

export interface RunningApi {
  server: Server;
  url: string;
  /** The background resume of queued runs and reports, once Temporal answers; it never rejects. */
  resumed: Promise<ResumeOutcome | 'stopped'>;
  /** Stops waiting for Temporal (a shutdown before it ever answered). */
  stopResume(): void;
}

/**
 * Listens first, then resumes queued work in the background once Temporal answers: the API serves
 * (and answers its health checks) however long the backlog, and whether or not Temporal is up.
 */
export async function startApiServer(deps: ApiDeps, options: { host: string; port: number; resumeBatchSize?: number }): Promise<RunningApi> {
  const server = createServer(createApp(deps));
  await new Promise<void>((resolve) => server.listen(options.port, options.host, resolve));
  const { port } = server.address() as AddressInfo;
  const stop = new AbortController();
  const waitLogged = (err: Error) =>
    deps.logger.warn({ err: { name: err.name, message: err.message } }, 'Temporal does not answer yet; queued work is resumed once it does');
  const resumed = untilTemporalAnswers(deps.temporal, stop.signal, waitLogged).then((answered): Promise<ResumeOutcome | 'stopped'> | 'stopped' =>
    answered
      ? resumeQueuedWork({
          prisma: deps.db.prisma,
          temporal: deps.temporal,
          taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
          logger: deps.logger,
          ...(options.resumeBatchSize ? { batchSize: options.resumeBatchSize } : {}),
        })
      : ('stopped' as const),
  );
  server.once('close', () => stop.abort());
  return { server, url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`, resumed, stopResume: () => stop.abort() };
}
