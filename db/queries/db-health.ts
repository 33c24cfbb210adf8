/** The daily routine's database upkeep: fresh planner statistics, index sizes and rebuilds. */
import { sql } from 'drizzle-orm';
import type { Tx } from '../client';

/** Refreshes the planner's statistics of every table of the database. */
export async function analyzeAll(db: Tx) {
  await db.execute(sql`analyze`);
}

/**
 * Every valid B-tree index of the public schema on plain columns (an expression has no column
 * statistics to judge it by), with its pages, live rows, fill factor and the indexed columns'
 * average width from pg_stats.
 */
export async function btreeIndexStats(db: Tx) {
  const rows = await db.execute<{ index: string; table: string; pages: number; rows: number; data_width: number; fill_factor: number | null }>(sql`
    select ci.relname as index, c.relname as "table", ci.relpages::int as pages, greatest(ci.reltuples, 0)::float8 as rows,
      (select coalesce(sum(s.avg_width), 0)::int from pg_attribute a
        join pg_stats s on s.schemaname = n.nspname and s.tablename = c.relname and s.attname = a.attname
        where a.attrelid = c.oid and a.attnum = any(i.indkey)) as data_width,
      (select substring(o from 'fillfactor=(\d+)')::int from unnest(ci.reloptions) o where o like 'fillfactor=%') as fill_factor
    from pg_index i
    join pg_class ci on ci.oid = i.indexrelid
    join pg_class c on c.oid = i.indrelid
    join pg_namespace n on n.oid = c.relnamespace
    join pg_am am on am.oid = ci.relam
    where n.nspname = 'public' and am.amname = 'btree' and i.indisvalid and not (0 = any(i.indkey))
    order by ci.relpages desc`);
  return [...rows].map((r) => ({ index: r.index, table: r.table, pages: r.pages, rows: r.rows, dataWidth: r.data_width, fillFactor: r.fill_factor ?? 90 }));
}

/** Rebuilds an index without blocking writes (cannot run inside a transaction). */
export async function reindexConcurrently(db: Tx, index: string) {
  await db.execute(sql`reindex index concurrently ${sql.identifier(index)}`);
}

/** An index's size in pages now (after a rebuild the catalogue says it at once). */
export async function indexPages(db: Tx, index: string): Promise<number> {
  const [r] = await db.execute<{ pages: number }>(sql`select (pg_relation_size(${index}::regclass) / current_setting('block_size')::int)::int as pages`);
  return r?.pages ?? 0;
}
