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
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
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
