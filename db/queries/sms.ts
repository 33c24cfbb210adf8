import { and, desc, eq, sql } from 'drizzle-orm';
import type { Tx } from '../client';
import { attempts, contacts, messageEvents, optOuts, smsReplies } from '../schema';
import { MESSAGE_PROGRESS, MESSAGE_TERMINAL, messageOutcome } from '../../domain/outcomes';

/** Stores a raw SMS status callback once; false when it was a replay. */
export async function storeMessageEvent(db: Tx, e: { sid: string; status: string; payload: Record<string, string> }): Promise<boolean> {
  const rows = await db
    .insert(messageEvents)
    .values({ providerSid: e.sid, status: e.status, payload: e.payload })
    .onConflictDoNothing()
    .returning({ id: messageEvents.id });
  return rows.length > 0;
}

/**
 * Applies an SMS status to its attempt, idempotently and in any order: a terminal status
 * (delivered, undelivered, failed) wins once and is never moved back; a progress status only moves
 * forward. A callback may beat the create's answer to us (its URL names the attempt): it binds the
 * MessageSid. False when the attempt is not this message's.
 */
export async function applyMessageStatus(db: Tx, attemptId: string, r: { sid: string; status: string; errorCode: number | null }): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [a] = await tx.select().from(attempts).where(eq(attempts.id, attemptId)).for('update');
    if (!a || a.channel !== 'sms' || (a.providerSid && a.providerSid !== r.sid)) return false;
    if (MESSAGE_TERMINAL.has(a.status)) return true;
    const base = { providerSid: r.sid, placedAt: a.placedAt ?? new Date() };
    if (MESSAGE_TERMINAL.has(r.status)) {
      await tx
        .update(attempts)
        .set({ ...base, status: r.status, outcome: messageOutcome(r.status), errorCode: r.errorCode, endedAt: sql`now()` })
        .where(eq(attempts.id, a.id));
    } else {
      const forward = MESSAGE_PROGRESS.indexOf(r.status) > MESSAGE_PROGRESS.indexOf(a.status);
      await tx
        .update(attempts)
        .set(forward ? { ...base, status: r.status } : base)
        .where(eq(attempts.id, a.id));
    }
    return true;
  });
}

/**
 * Binds the created message to its attempt in one statement, unless a status callback already
 * moved it on (it keeps its status and outcome).
 */
export async function adoptMessage(db: Tx, attemptId: string, sid: string, status: string) {
  await db
    .update(attempts)
    .set({
      providerSid: sid,
      placedAt: sql`coalesce(${attempts.placedAt}, now())`,
      status: sql`case when ${attempts.status} in ('reserved', 'dialing', 'carrier-failed') then ${status} else ${attempts.status} end`,
      outcome: sql`case when ${attempts.outcome} is null or ${attempts.status} = 'carrier-failed' then 'sms-sent' else ${attempts.outcome} end`,
      sipResponseCode: sql`case when ${attempts.status} = 'carrier-failed' then null else ${attempts.sipResponseCode} end`,
    })
    .where(eq(attempts.id, attemptId));
}

/** The campaign of the last text we sent the contact (what a reply most likely answers), or null. */
export async function lastTextedCampaign(db: Tx, contactId: string): Promise<string | null> {
  const [row] = await db
    .select({ campaignId: attempts.campaignId })
    .from(attempts)
    .where(and(eq(attempts.contactId, contactId), eq(attempts.channel, 'sms')))
    .orderBy(desc(attempts.reservedAt))
    .limit(1);
  return row?.campaignId ?? null;
}

export async function optOutOf(db: Tx, tenant: string, phone: string) {
  const [row] = await db
    .select()
    .from(optOuts)
    .where(and(eq(optOuts.tenant, tenant), eq(optOuts.phone, phone)));
  return row ?? null;
}

/**
 * Lifts the number's opt-out only when it was given by SMS (a resubscribe by text cannot undo a
 * key pressed in a call or an operator's decision), in one transaction with the contact's status.
 * Returns the source of the opt-out that was there (null: none) and whether it was lifted.
 */
export async function liftSmsOptOut(db: Tx, tenant: string, phone: string): Promise<{ source: string | null; lifted: boolean }> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(optOuts)
      .where(and(eq(optOuts.tenant, tenant), eq(optOuts.phone, phone)))
      .for('update');
    if (!row) return { source: null, lifted: false };
    if (row.source !== 'sms') return { source: row.source, lifted: false };
    await tx.delete(optOuts).where(and(eq(optOuts.tenant, tenant), eq(optOuts.phone, phone), eq(optOuts.source, 'sms')));
    await tx
      .update(contacts)
      .set({ status: 'active', updatedAt: sql`now()` })
      .where(and(eq(contacts.tenant, tenant), eq(contacts.phone, phone), eq(contacts.status, 'opted_out')));
    return { source: row.source, lifted: true };
  });
}

export async function smsReplyBySid(db: Tx, providerSid: string) {
  const [row] = await db.select().from(smsReplies).where(eq(smsReplies.providerSid, providerSid));
  return row ?? null;
}

export async function insertSmsReply(db: Tx, r: typeof smsReplies.$inferInsert) {
  await db.insert(smsReplies).values(r).onConflictDoNothing();
}

export async function repliesOfContact(db: Tx, contactId: string) {
  return db.select().from(smsReplies).where(eq(smsReplies.contactId, contactId)).orderBy(smsReplies.receivedAt);
}
