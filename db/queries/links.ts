import { inArray, sql } from 'drizzle-orm';
import type { Tx } from '../client';
import { linkStatus } from '../schema';

export type LinkStatusRow = typeof linkStatus.$inferSelect;

/** Stores the latest check of each link. */
export async function saveLinkStatus(db: Tx, rows: Array<Omit<LinkStatusRow, 'checkedAt'>>) {
  if (!rows.length) return;
  await db
    .insert(linkStatus)
    .values(rows)
    .onConflictDoUpdate({
      target: linkStatus.url,
      set: { ok: sql`excluded.ok`, problem: sql`excluded.problem`, httpStatus: sql`excluded.http_status`, chain: sql`excluded.chain`, ms: sql`excluded.ms`, checkedAt: sql`now()` },
    });
}

/** The latest checks of these links (links never checked are absent). */
export async function linkStatuses(db: Tx, urls: string[]): Promise<LinkStatusRow[]> {
  if (!urls.length) return [];
  return db.select().from(linkStatus).where(inArray(linkStatus.url, [...new Set(urls)]));
}

/** Of these links, the ones whose latest check found them dead. */
export async function deadLinks(db: Tx, urls: string[]): Promise<LinkStatusRow[]> {
  return (await linkStatuses(db, urls)).filter((r) => !r.ok);
}
