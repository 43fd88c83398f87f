import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.ts';
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
