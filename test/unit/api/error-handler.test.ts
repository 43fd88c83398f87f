import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { errorHandler } from '../../../src/api/middleware/errors.ts';
import { Prisma } from '../../../src/generated/prisma/client.ts';
import { createLogger } from '../../../src/platform/logger.ts';

// What the error handler makes of errors a route does not catch: a database too busy to start a
// transaction in time is the server's state, not a bug — a 503 the client may retry, not a 500.

let server: Server;
let base: string;

beforeAll(async () => {
  const app = express();
  app.get('/busy', () => {
    throw new Prisma.PrismaClientKnownRequestError('Transaction API error: Unable to start a transaction in the given time.', { code: 'P2028', clientVersion: '7' });
  });
  app.get('/other-prisma', () => {
    throw new Prisma.PrismaClientKnownRequestError('Unique constraint failed', { code: 'P2002', clientVersion: '7' });
  });
  app.get('/bug', () => {
    throw new Error('secret detail at /work/main/src/x.ts:1');
  });
  app.use(errorHandler(createLogger('silent', 'test')));
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

it('answers a transaction that could not start in time (P2028) with 503 unavailable and retry-after', async () => {
  const res = await fetch(`${base}/busy`);
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('1');
  const body = (await res.json()) as { error: unknown };
  expect(body.error).toMatchObject({ code: 'unavailable', message: 'The database is busy; try again shortly' });
  expect(JSON.stringify(body)).not.toMatch(/Transaction API|P2028/);
});

it('keeps other database errors and bugs a 500 with nothing of the error in the answer', async () => {
  for (const path of ['/other-prisma', '/bug']) {
    const res = await fetch(`${base}${path}`);
    expect([path, res.status, res.headers.get('retry-after')]).toEqual([path, 500, null]);
    const text = await res.text();
    expect(text).not.toMatch(/Unique constraint|secret detail|\/work\//);
  }
});
