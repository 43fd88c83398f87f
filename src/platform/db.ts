import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient, type Prisma } from '../generated/prisma/client.ts';
import { PgListener } from './pg-listener.ts';

export type Db = PrismaClient;

export interface Database {
  prisma: PrismaClient;
  /** The same pool Prisma uses, for the few stores that speak SQL directly (rate limits). */
  pool: pg.Pool;
  /** The process's one LISTEN connection (opened on first use). */
  listener: PgListener;
  close(): Promise<void>;
}

export function connectDatabase(url: string, poolSize = 10): Database {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle connection the server closes (restart, failover, a dropped database) is an 'error'
  // event on the pool; unhandled, it would crash the process. pg drops that client and the next
  // query opens a new one.
  pool.on('error', () => {});
  // Prisma's defaults (2 s to get a connection, 5 s per transaction) turn a burst larger than the
  // pool into errors on a busy machine: a transaction waits its turn for up to 10 s instead. A
  // wait past that is a 503 with retry-after (api/middleware/errors.ts), never a 500.
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool), transactionOptions: { maxWait: 10_000, timeout: 15_000 } });
  const listener = new PgListener(url);
  pools.set(prisma, pool);
  return {
    prisma,
    pool,
    listener,
    async close() {
      await listener.close();
      await prisma.$disconnect();
      await pool.end().catch(() => undefined);
    },
  };
}

/** The pool under each client connectDatabase made, for sqlTransaction. */
const pools = new WeakMap<PrismaClient, pg.Pool>();

/** The bounds of Prisma's interactive transactions (connectDatabase): a connection within 10 s, each statement within 15 s. */
const CONNECTION_WAIT_MS = 10_000;
const STATEMENT_TIMEOUT_MS = 15_000;

export type SqlQuery = <Row>(sql: Prisma.Sql) => Promise<Row[]>;

/**
 * One statement on the pool under `prisma`, outside any transaction: for the lookups every API
 * request makes (its key, its tenant), where Prisma's query engine costs more CPU than the query
 * (docs/remediation.md, "What a decision costs"). Rows as pg returns them: timestamps as Dates,
 * arrays as arrays, json as values, enums as strings.
 */
export async function sqlQuery<Row>(prisma: Db, sql: Prisma.Sql): Promise<Row[]> {
  const pool = pools.get(prisma);
  if (!pool) throw new Error('sqlQuery needs a client made by connectDatabase');
  return (await pool.query(sql.text, sql.values)).rows as Row[];
}

/**
 * A transaction in plain SQL on the pool under `prisma`, for the hot path's short transactions
 * written as SQL already (a verification decision): a Prisma interactive transaction costs about
 * 1 ms more CPU for the same statements (docs/remediation.md, "What a decision costs"). The same
 * statements and round trips (BEGIN, the work's statements, COMMIT); rolled back on any error.
 */
export async function sqlTransaction<T>(prisma: Db, work: (query: SqlQuery) => Promise<T>): Promise<T> {
  const pool = pools.get(prisma);
  if (!pool) throw new Error('sqlTransaction needs a client made by connectDatabase');
  const client = await connectWithin(pool, CONNECTION_WAIT_MS);
  let broken: Error | undefined;
  try {
    // One round trip: simple-protocol statements without parameters.
    await client.query(`BEGIN; SET LOCAL statement_timeout = ${STATEMENT_TIMEOUT_MS}`);
    const result = await work(async <Row>(sql: Prisma.Sql) => (await client.query(sql.text, sql.values)).rows as Row[]);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((rollback: Error) => (broken = rollback));
    throw err;
  } finally {
    // A connection that could not roll back is closed rather than handed to the next caller.
    client.release(broken);
  }
}

/** pool.connect() waits without bound for a free connection; this gives up after `ms` (the connection, if it comes later, goes back). */
function connectWithin(pool: pg.Pool, ms: number): Promise<pg.PoolClient> {
  const connecting = pool.connect();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      connecting.then((late) => late.release(), () => undefined);
      reject(new Error(`no database connection within ${ms} ms`));
    }, ms);
  });
  return Promise.race([connecting, timedOut]).finally(() => clearTimeout(timer));
}
