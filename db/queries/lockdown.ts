/** The lockdown switch and the personal-data access log (db/schema/lockdown.ts). */
import { and, asc, desc, eq, gte, isNull, lt, sql } from 'drizzle-orm';
import type { Tx } from '../client';
import { accessLog, apiKeys, lockdowns } from '../schema';

export type Lockdown = typeof lockdowns.$inferSelect;

/** The lockdown in force, if any. */
export async function lockdownInForce(db: Tx): Promise<Lockdown | null> {
  const [row] = await db.select().from(lockdowns).where(isNull(lockdowns.releasedAt)).limit(1);
  return row ?? null;
}

/** The most recent lockdown, in force or released. */
export async function lastLockdown(db: Tx): Promise<Lockdown | null> {
  const [row] = await db.select().from(lockdowns).orderBy(desc(lockdowns.engagedAt)).limit(1);
  return row ?? null;
}

/** Engages a lockdown; null when one is already in force (the unique index decides a race). */
export async function insertLockdown(db: Tx, l: { reason: string; pauseDialling: boolean; engagedBy: string }): Promise<Lockdown | null> {
  const [row] = await db.insert(lockdowns).values(l).onConflictDoNothing().returning();
  return row ?? null;
}

export async function updateLockdown(db: Tx, id: string, change: { reason: string; pauseDialling: boolean }): Promise<Lockdown> {
  const [row] = await db.update(lockdowns).set(change).where(eq(lockdowns.id, id)).returning();
  return row!;
}

/** Releases the lockdown in force; null when none was. */
export async function releaseLockdown(db: Tx, releasedBy: string): Promise<Lockdown | null> {
  const [row] = await db.update(lockdowns).set({ releasedBy, releasedAt: new Date() }).where(isNull(lockdowns.releasedAt)).returning();
  return row ?? null;
}

export async function recordAccess(db: Tx, e: { keyId: string; action: string; contactIds: string[] | null; rows: number; contacts: number; filter?: unknown }) {
  await db.insert(accessLog).values({ keyId: e.keyId, action: e.action, contactIds: e.contactIds, rows: e.rows, contacts: e.contacts, filter: e.filter ?? null });
}

/** Reads of personal data in [from, to), oldest first, with the key's name and role as they are now. */
export async function accessBetween(db: Tx, from: Date, to: Date, limit: number) {
  return db
    .select({
      id: accessLog.id,
      at: accessLog.at,
      keyId: accessLog.keyId,
      keyName: apiKeys.name,
      role: apiKeys.role,
      action: accessLog.action,
      contactIds: accessLog.contactIds,
      rows: accessLog.rows,
      contacts: accessLog.contacts,
      filter: accessLog.filter,
    })
    .from(accessLog)
    .leftJoin(apiKeys, eq(apiKeys.id, accessLog.keyId))
    .where(and(gte(accessLog.at, from), lt(accessLog.at, to)))
    .orderBy(asc(accessLog.id))
    .limit(limit);
}

/** How many reads [from, to) holds (the report says when it shows fewer). */
export async function accessCount(db: Tx, from: Date, to: Date): Promise<number> {
  const [r] = await db.select({ n: sql<number>`count(*)::int` }).from(accessLog).where(and(gte(accessLog.at, from), lt(accessLog.at, to)));
  return r?.n ?? 0;
}
