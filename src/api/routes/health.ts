import { Router } from 'express';
import type { ApiDeps } from '../deps.ts';
import { sendData } from '../envelope.ts';

const PROBE_TIMEOUT_MS = 2_000;

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out')), PROBE_TIMEOUT_MS).unref()),
  ]);
}

async function probe(check: () => Promise<unknown>): Promise<'ok' | 'unavailable'> {
  try {
    await withTimeout(check());
    return 'ok';
  } catch {
    return 'unavailable';
  }
}

/** /healthz: the process is up. /readyz: PostgreSQL and Temporal answer too. */
export function healthRouter({ db, temporal }: ApiDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => sendData(res, 200, { status: 'ok' }));
  router.get('/readyz', async (_req, res) => {
    const [database, temporalStatus] = await Promise.all([
      probe(() => db.pool.query('SELECT 1')),
      // A gRPC deadline, not only the race: the client would otherwise retry an unreachable server
      // in the background long after the probe answered.
      probe(() => temporal.connection.withDeadline(Date.now() + PROBE_TIMEOUT_MS, () => temporal.connection.workflowService.getSystemInfo({}))),
    ]);
    const ready = database === 'ok' && temporalStatus === 'ok';
    sendData(res, ready ? 200 : 503, { status: ready ? 'ready' : 'unavailable', checks: { database, temporal: temporalStatus } });
  });
  return router;
}
