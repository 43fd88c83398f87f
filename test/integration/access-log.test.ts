import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createApp, loggedPath } from '../../src/api/app.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { resolveInstanceSecret } from '../../src/platform/crypto.ts';
import { connectDatabase, type Database } from '../../src/platform/db.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { signLink } from '../../src/reports/links.ts';

/** The API's access log, read back: a signed link's token never reaches it. */
let server: Server;
let db: Database;
let base: string;
const lines: string[] = [];

beforeAll(async () => {
  const config = loadConfig({ ...process.env, LOG_LEVEL: 'info' });
  db = connectDatabase(config.DATABASE_URL, 2);
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  // No route here reaches Temporal.
  const app = createApp({ config, db, temporal: {} as never, logger: createLogger('info', 'api', sink) });
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  (globalThis as { secret?: string }).secret = resolveInstanceSecret(config);
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await db?.close();
});

it('logs the route of a share or download link, never its token (a 7-day bearer credential)', async () => {
  const secret = (globalThis as { secret?: string }).secret!;
  const expires = new Date(Date.now() + 3600_000);
  const share = signLink(secret, 'share', '00000000-0000-4000-8000-000000000001', expires);
  const download = signLink(secret, 'export', '00000000-0000-4000-8000-000000000001', expires);
  const paths = [
    `/api/v1/shared/reports/${share}`,
    `/api/v1/exports/${download}`,
    `/API/V1/Shared/Reports/${share}?x=1`,
    `/api/v1/shared/reports/${share}/`,
  ];
  for (const path of paths) expect((await fetch(`${base}${path}`)).status).toBe(404);
  const logged = lines.map((line) => JSON.parse(line)).filter((entry) => entry.req);
  expect(logged).toHaveLength(paths.length);
  expect(logged.map((entry) => entry.req.path)).toEqual([
    '/api/v1/shared/reports/[redacted]',
    '/api/v1/exports/[redacted]',
    '/API/V1/Shared/Reports/[redacted]',
    '/api/v1/shared/reports/[redacted]',
  ]);
  const all = lines.join('\n');
  for (const token of [share, download]) {
    expect(all).not.toContain(token);
    expect(all).not.toContain(token.split('.')[0]!);
  }
});

it('leaves every other path as it is, without its query', () => {
  expect(loggedPath('/api/v1/orgs/o/projects/p/audit/findings?severity=high')).toBe('/api/v1/orgs/o/projects/p/audit/findings');
  expect(loggedPath('/api/v1/exports')).toBe('/api/v1/exports');
  expect(loggedPath('/api/v1/exportsX/abc')).toBe('/api/v1/exportsX/abc');
  expect(loggedPath('/healthz')).toBe('/healthz');
});
