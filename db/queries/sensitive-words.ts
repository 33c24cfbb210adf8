import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Tx } from '../client';
import { sensitiveWords } from '../schema';

export type SensitiveWordRow = typeof sensitiveWords.$inferSelect;

/** Words operators added and have not removed. */
export async function liveWords(db: Tx): Promise<SensitiveWordRow[]> {
  return db.select().from(sensitiveWords).where(isNull(sensitiveWords.removedAt)).orderBy(sensitiveWords.id);
}

/** The list's version: every addition and every removal counts one (the built-in list is 0). */
export async function wordListVersion(db: Tx): Promise<number> {
  const [r] = await db.select({ n: sql<number>`(count(*) + count(${sensitiveWords.removedAt}))::int` }).from(sensitiveWords);
  return r?.n ?? 0;
}

/** Changes to the list take turns (the version counts them). */
export async function lockWordList(tx: Tx) {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext('sensitive_words'))`);
}

export async function insertWord(tx: Tx, w: { scope: string; word: string; category: string; addedBy: string; addedInVersion: number }) {
  const [row] = await tx.insert(sensitiveWords).values(w).onConflictDoNothing().returning();
  return row ?? null;
}

export async function markWordRemoved(tx: Tx, id: number, by: string, version: number) {
  const [row] = await tx
    .update(sensitiveWords)
    .set({ removedAt: new Date(), removedBy: by, removedInVersion: version })
    .where(and(eq(sensitiveWords.id, id), isNull(sensitiveWords.removedAt)))
    .returning();
  return row ?? null;
}
