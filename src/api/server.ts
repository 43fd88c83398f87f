import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { untilTemporalAnswers } from '../platform/temporal.ts';
import { resumeQueuedWork, type ResumeOutcome } from '../services/resume.ts';
import { createScanEventHub } from '../services/scan-event-hub.ts';
import { createApp } from './app.ts';
import type { ApiDeps } from './deps.ts';
import { serializeScanRun } from './serializers/scan-run.ts';

export interface RunningApi {
  server: Server;
  url: string;
  /** The background resume of queued runs and reports, once Temporal answers; it never rejects. */
  resumed: Promise<ResumeOutcome | 'stopped'>;
  /**
   * Graceful shutdown: stops waiting for Temporal, ends the open event streams (their clients
   * resume elsewhere), then stops listening once the requests in flight are answered.
   */
  close(): Promise<void>;
}

/**
 * Listens first, then resumes queued work in the background once Temporal answers: the API serves
 * (and answers its health checks) however long the backlog, and whether or not Temporal is up.
 */
export async function startApiServer(deps: ApiDeps, options: { host: string; port: number; resumeBatchSize?: number }): Promise<RunningApi> {
  const scanEvents =
    deps.scanEvents ??
    createScanEventHub({ prisma: deps.db.prisma, listener: deps.db.listener, render: serializeScanRun, onError: (err, what) => deps.logger.warn({ err }, what) });
  const server = createServer(createApp({ ...deps, scanEvents }));
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
  const close = async () => {
    stop.abort();
    // Streams never end by themselves: without this, server.close() would wait for every one.
    scanEvents.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { server, url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`, resumed, close };
}
