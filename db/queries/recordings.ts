/** The recordings store's rows: stored once per recording, purged when due, read whole by the monthly verification. */
import { and, asc, eq, gte, isNotNull, isNull, lt, lte, notExists, sql } from 'drizzle-orm';
import type { Tx } from '../client';
import { attempts, recordings } from '../schema';

export type NewRecording = typeof recordings.$inferInsert;
export type RecordingRow = typeof recordings.$inferSelect;

/** Stores a recording's row once (a retried fetch finds it there); the row as stored. */
export async function insertRecording(db: Tx, r: NewRecording): Promise<RecordingRow> {
  const [row] = await db.insert(recordings).values(r).onConflictDoNothing().returning();
  return row ?? (await recordingBySid(db, r.recordingSid))!;
}

export async function recordingBySid(db: Tx, recordingSid: string): Promise<RecordingRow | null> {
  const [row] = await db.select().from(recordings).where(eq(recordings.recordingSid, recordingSid));
  return row ?? null;
}

/** Recordings not purged whose purge date has come, oldest first. */
export async function recordingsDue(db: Tx, now: Date, limit: number): Promise<RecordingRow[]> {
  return db
    .select()
    .from(recordings)
    .where(and(isNull(recordings.purgedAt), lte(recordings.purgeAfter, now)))
    .orderBy(asc(recordings.purgeAfter))
    .limit(limit);
}

/** Marks a recording purged; false when it was already. */
export async function markPurged(db: Tx, id: string, at: Date): Promise<boolean> {
  const rows = await db.update(recordings).set({ purgedAt: at }).where(and(eq(recordings.id, id), isNull(recordings.purgedAt))).returning({ id: recordings.id });
  return rows.length > 0;
}

/** Every recording row, kept or purged. */
export async function allRecordings(db: Tx): Promise<RecordingRow[]> {
  return db.select().from(recordings).orderBy(asc(recordings.recordedAt));
}

/**
 * Calls placed to be recorded, answered and ended before `endedBefore` (time enough for the
 * callback), that have no recording row: a recording lost between the carrier and the store.
 * `since` bounds how far back (by the call's end), `limit` how many, oldest first.
 */
export async function recordedAttemptsWithoutRecording(db: Tx, endedBefore: Date, opts: { since?: Date; limit?: number } = {}) {
  const q = db
    .select({ attemptId: attempts.id, campaignId: attempts.campaignId, providerSid: attempts.providerSid, lineId: attempts.lineId, endedAt: attempts.endedAt })
    .from(attempts)
    .where(
      and(
        eq(attempts.recordingRequested, true),
        isNotNull(attempts.endedAt),
        lt(attempts.endedAt, endedBefore),
        opts.since ? gte(attempts.endedAt, opts.since) : undefined,
        sql`coalesce(${attempts.durationSec}, 0) > 0`,
        notExists(db.select({ one: sql`1` }).from(recordings).where(eq(recordings.attemptId, attempts.id))),
      ),
    )
    .orderBy(asc(attempts.endedAt));
  return opts.limit ? q.limit(opts.limit) : q;
}
