import { call, eventually } from './http.ts';
import type { Tenant } from './tenants.ts';

/**
 * Starts a scan through the API and waits, by GET scans/:id, until it has completed or failed:
 * returns the scan as the API serialises it. `started` sees the 202's body first.
 */
export async function scanToEnd(
  tenant: Tenant,
  url: string,
  scanners: string[],
  options: { timeoutMs?: number; started?: (scan: any) => void } = {},
): Promise<any> {
  const started = await call('POST', `${tenant.audit}/scans/run`, { key: tenant.writeKey, body: { url, scanners } });
  expect(started.status).toBe(202);
  options.started?.(started.body.data);
  const done = await eventually(
    () => call('GET', `${tenant.audit}/scans/${started.body.data.id}`, { key: tenant.readKey }),
    (r) => ['completed', 'failed'].includes(r.body.data.status),
    options.timeoutMs ?? 60_000,
  );
  return done.body.data;
}
