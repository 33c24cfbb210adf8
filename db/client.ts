import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import path from 'node:path';
import * as schema from './schema';

export type Db = PostgresJsDatabase<typeof schema> & { $client: postgres.Sql };
/** A database handle or an open transaction: query functions accept either. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0] | Db;

export interface DbHandle {
  db: Db;
  sql: postgres.Sql;
  /** Opens every connection of the pool now (a process about to say it is ready), not on the first requests. */
  warm(): Promise<void>;
  close(): Promise<void>;
}

export function connect(url: string, opts: { max?: number } = {}): DbHandle {
  const max = opts.max ?? 10;
  const sql = postgres(url, { max, onnotice: () => {} });
  const db = drizzle(sql, { schema, casing: 'snake_case' });
  return {
    db,
    sql,
    warm: async () => {
      await Promise.all(Array.from({ length: max }, () => sql`select 1`));
    },
    close: () => sql.end({ timeout: 5 }),
  };
}

export const migrationsFolder = path.join(__dirname, 'migrations');

/** Applies the committed drizzle-kit migrations; safe to run at every start. */
export async function migrateDb(url: string): Promise<void> {
  const h = connect(url, { max: 1 });
  try {
    await migrate(h.db, { migrationsFolder });
  } finally {
    await h.close();
  }
}
