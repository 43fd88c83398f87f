import { randomUUID } from 'node:crypto';
import { connectDatabase, type Database } from '../../src/platform/db.ts';
import { createDecisionNotices } from '../../src/services/decision-notices.ts';
import { approveVerification } from '../../src/services/verification-decisions.ts';

let db: Database;
beforeAll(() => {
  db = connectDatabase(process.env.DATABASE_URL!, 3);
});
afterAll(() => db.close());

const decideNothing = (requestId: string) => approveVerification(db.prisma, randomUUID(), { keyId: null, label: 'test' }, requestId);

it('hears the outcome of a decision by its request id, from the decision transaction, with no polling', async () => {
  const notices = createDecisionNotices(db.listener);
  const mine = await notices.expect('request-a', 5_000);
  const other = await notices.expect('request-b', 300);
  const began = performance.now();
  expect(await decideNothing('request-a')).toEqual({ ok: false, message: 'no such verification' });
  expect(await mine.outcome).toEqual({ ok: false, message: 'no such verification' });
  expect(performance.now() - began).toBeLessThan(2_000);
  // Nobody decided request-b: its waiter times out (null), and the API falls back to one read.
  expect(await other.outcome).toBeNull();
});

it('one LISTEN connection serves every waiter of the process', async () => {
  const notices = createDecisionNotices(db.listener);
  await notices.expect('warm-up', 10).then((p) => p.outcome);
  const pid = await db.listener.backendPid();
  const ids = Array.from({ length: 20 }, () => randomUUID());
  const pending = await Promise.all(ids.map((id) => notices.expect(id, 5_000)));
  expect(await db.listener.backendPid()).toBe(pid);
  const { rows } = await db.pool.query<{ query: string }>('SELECT query FROM pg_stat_activity WHERE pid = $1', [pid]);
  expect(rows[0]?.query).toBe('LISTEN "verification_decisions"');
  await Promise.all(ids.map(decideNothing));
  expect(await Promise.all(pending.map((p) => p.outcome))).toEqual(ids.map(() => ({ ok: false, message: 'no such verification' })));
});

it('a lost LISTEN connection releases the waiters at once (they read the outcome instead), and the next wait reconnects', async () => {
  const notices = createDecisionNotices(db.listener);
  await notices.expect('warm-up', 10).then((p) => p.outcome);
  const waiting = await notices.expect('request-c', 30_000);
  const pid = await db.listener.backendPid();
  expect(pid).not.toBeNull();
  const began = performance.now();
  await db.pool.query('SELECT pg_terminate_backend($1)', [pid]);
  expect(await waiting.outcome).toBeNull();
  expect(performance.now() - began).toBeLessThan(5_000);

  const again = await notices.expect('request-d', 5_000);
  expect(await db.listener.backendPid()).not.toBe(pid);
  await decideNothing('request-d');
  expect(await again.outcome).toEqual({ ok: false, message: 'no such verification' });
});
