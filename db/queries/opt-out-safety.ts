/** The opt-out safe mode switch (db/schema/operations.ts optOutSafeModes) and the carrier's own opt-outs. */
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Tx } from '../client';
import { optOutSafeModes, optOuts } from '../schema';

export type SafeMode = typeof optOutSafeModes.$inferSelect;

/** The safe mode in force, if any. */
export async function safeModeInForce(db: Tx): Promise<SafeMode | null> {
  const [row] = await db.select().from(optOutSafeModes).where(isNull(optOutSafeModes.endedAt)).limit(1);
  return row ?? null;
}

/** The most recent safe mode, in force or ended. */
export async function lastSafeMode(db: Tx): Promise<SafeMode | null> {
  const [row] = await db.select().from(optOutSafeModes).orderBy(desc(optOutSafeModes.enteredAt)).limit(1);
  return row ?? null;
}

/** Enters safe mode; null when one is already in force (the unique index decides a race). */
export async function insertSafeMode(db: Tx, m: { reason: string; detail: unknown; enteredBy: string }): Promise<SafeMode | null> {
  const [row] = await db.insert(optOutSafeModes).values({ reason: m.reason, detail: m.detail ?? null, enteredBy: m.enteredBy }).onConflictDoNothing().returning();
  return row ?? null;
}

/** Ends the safe mode in force; null when none was. */
export async function endSafeModeRow(db: Tx, e: { endedBy: string; endReason: string }): Promise<SafeMode | null> {
  const [row] = await db.update(optOutSafeModes).set({ endedBy: e.endedBy, endReason: e.endReason, endedAt: new Date() }).where(isNull(optOutSafeModes.endedAt)).returning();
  return row ?? null;
}

/** The DNC row of a number, if it is listed. */
export async function optOutOf(db: Tx, tenant: string, phone: string) {
  const [row] = await db.select().from(optOuts).where(and(eq(optOuts.tenant, tenant), eq(optOuts.phone, phone)));
  return row ?? null;
}

/** Numbers the carrier told us were unsubscribed while we had not listed them. */
export async function carrierListedCount(db: Tx, tenant: string): Promise<number> {
  const [r] = await db.select({ n: sql<number>`count(*)::int` }).from(optOuts).where(and(eq(optOuts.tenant, tenant), eq(optOuts.source, 'carrier')));
  return r?.n ?? 0;
}
