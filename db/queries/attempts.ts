import { and, eq, notInArray, sql } from 'drizzle-orm';
import type { Tx } from '../client';
import { strategyVersionOf } from './campaigns';
import { attempts, callEvents, contacts } from '../schema';

/**
 * One person's calls and SMS on a local day: the daily budget's use. Carrier failures are excluded
 * (a create the carrier refused, a call the network failed with SIP 5xx: they never reached the
 * person), and so are attempts not placed because the window closed before the send.
 */
export async function contactsOnDay(db: Tx, contactId: string, localDay: string): Promise<{ calls: number; sms: number }> {
  const rows = await db
    .select({ channel: attempts.channel, n: sql<number>`count(*)::int` })
    .from(attempts)
    .where(and(eq(attempts.contactId, contactId), eq(attempts.localDay, localDay), notInArray(attempts.status, ['carrier-failed', 'not-placed']), sql`${attempts.outcome} is distinct from 'carrier-failure'`))
    .groupBy(attempts.channel);
  const of = (c: string) => rows.find((r) => r.channel === c)?.n ?? 0;
  return { calls: of('call'), sms: of('sms') };
}

export async function attemptByKey(db: Tx, key: string) {
  const [row] = await db.select().from(attempts).where(eq(attempts.idempotencyKey, key));
  return row ?? null;
}

export async function attemptWithContact(db: Tx, attemptId: string) {
  const [row] = await db
    .select({ attempt: attempts, contact: contacts })
    .from(attempts)
    .innerJoin(contacts, eq(contacts.id, attempts.contactId))
    .where(eq(attempts.id, attemptId));
  return row ?? null;
}

/**
 * An attempt with its contact and the strategy version it was reserved under (not the campaign's
 * active one: a change mid-cadence applies to the next reservation, never to a call already
 * granted), with the campaign's own settings: what the carrier path (placing, cancelling,
 * reconciling a call; the call's TwiML and script) needs, read in one place. Null when the attempt
 * or its campaign is gone.
 */
export async function attemptWithStrategy(db: Tx, attemptId: string) {
  const row = await attemptWithContact(db, attemptId);
  if (!row) return null;
  const reserved = await strategyVersionOf(db, row.attempt.campaignId, row.attempt.strategyVersion);
  if (!reserved) return null;
  return { ...row, strategy: reserved.strategy, strategyVersion: reserved.version, campaignCps: reserved.cps, industry: reserved.industry, scriptMode: reserved.scriptMode };
}

export async function attemptsOfContact(db: Tx, contactId: string) {
  return db.select().from(attempts).where(eq(attempts.contactId, contactId)).orderBy(attempts.reservedAt);
}

/** Stores a raw carrier callback once; false when it was a replay. */
export async function storeCallEvent(db: Tx, e: { sid: string; status: string; sequence: number; payload: Record<string, string> }): Promise<boolean> {
  const rows = await db
    .insert(callEvents)
    .values({ providerSid: e.sid, status: e.status, sequenceNumber: e.sequence, payload: e.payload })
    .onConflictDoNothing()
    .returning({ id: callEvents.id });
  return rows.length > 0;
}
