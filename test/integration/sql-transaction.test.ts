import { Prisma } from '../../src/generated/prisma/client.ts';
import { connectDatabase, sqlQuery, sqlTransaction, type Database } from '../../src/platform/db.ts';

let db: Database;
beforeAll(async () => {
  db = connectDatabase(process.env.DATABASE_URL!, 2);
  await db.pool.query('CREATE TABLE IF NOT EXISTS sql_transaction_test (id int PRIMARY KEY, v int NOT NULL)');
  await db.pool.query('TRUNCATE sql_transaction_test');
});
afterAll(async () => {
  await db.pool.query('DROP TABLE IF EXISTS sql_transaction_test');
  await db.close();
});

const value = async (id: number) => (await db.pool.query<{ v: number }>('SELECT v FROM sql_transaction_test WHERE id = $1', [id])).rows[0]?.v;

it('commits its statements, with Prisma.sql parameters, and bounds each statement for its own transaction only', async () => {
  const seen = await sqlTransaction(db.prisma, async (query) => {
    await query(Prisma.sql`INSERT INTO sql_transaction_test (id, v) VALUES (${1}, ${10})`);
    const [row] = await query<{ v: number; timeout: string }>(Prisma.sql`SELECT v, current_setting('statement_timeout') AS timeout FROM sql_transaction_test WHERE id = ${1} FOR UPDATE`);
    return row;
  });
  expect(seen).toEqual({ v: 10, timeout: '15s' });
  expect(await value(1)).toBe(10);
  // SET LOCAL: the connection goes back to the pool with the server's default.
  const { rows } = await db.pool.query<{ timeout: string }>("SELECT current_setting('statement_timeout') AS timeout");
  expect(rows[0]!.timeout).toBe('0');
});

it('rolls back on an error and gives the connection back', async () => {
  await expect(
    sqlTransaction(db.prisma, async (query) => {
      await query(Prisma.sql`INSERT INTO sql_transaction_test (id, v) VALUES (${2}, ${20})`);
      await query(Prisma.sql`SELECT 1 / ${0}::int`);
    }),
  ).rejects.toThrow(/division by zero/);
  expect(await value(2)).toBeUndefined();
  // Both of the pool's connections are usable: nothing was left checked out or mid-transaction.
  await Promise.all([1, 2].map(() => sqlTransaction(db.prisma, (query) => query(Prisma.sql`SELECT ${1}::int AS one`))));
  expect(db.pool.idleCount).toBe(db.pool.totalCount);
});

it('refuses a client that connectDatabase did not make', async () => {
  await expect(sqlTransaction({} as never, async () => 1)).rejects.toThrow(/connectDatabase/);
});

it('sqlQuery: one statement, rows typed as the API lookups read them (arrays, timestamps, json)', async () => {
  const [row] = await sqlQuery<{ scopes: string[]; at: Date; doc: unknown; none: null }>(
    db.prisma,
    Prisma.sql`SELECT ARRAY['audit:read', ${'audit:write'}]::text[] AS scopes, '2026-12-05T01:02:03.456Z'::timestamptz AS at, ${JSON.stringify({ a: [1] })}::jsonb AS doc, NULL AS none`,
  );
  expect(row).toEqual({ scopes: ['audit:read', 'audit:write'], at: new Date('2026-12-05T01:02:03.456Z'), doc: { a: [1] }, none: null });
  await expect(sqlQuery({} as never, Prisma.sql`SELECT 1`)).rejects.toThrow(/connectDatabase/);
});
