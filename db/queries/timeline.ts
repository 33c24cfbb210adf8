/**
 * What PostgreSQL knows of one contact's history, for its timeline ("why was this number called,
 * and why not"): the events accepted for it, the gate's refusals and the deadlines it missed.
 * Attempts, SMS replies and the DNC entry come from their own modules
 * (attempts.ts, sms.ts).
 */
import { asc, eq } from 'drizzle-orm';
import type { Tx } from '../client';
import { complianceLog, deadlineMisses, inboxEvents } from '../schema';

export async function eventsOfContact(db: Tx, contactId: string) {
  return db
    .select({
      seq: inboxEvents.seq,
      eventId: inboxEvents.eventId,
      campaignId: inboxEvents.campaignId,
      type: inboxEvents.type,
      occurredAt: inboxEvents.occurredAt,
      strategyVersion: inboxEvents.strategyVersion,
      state: inboxEvents.state,
      lastError: inboxEvents.lastError,
      createdAt: inboxEvents.createdAt,
      deliveredAt: inboxEvents.deliveredAt,
    })
    .from(inboxEvents)
    .where(eq(inboxEvents.contactId, contactId))
    .orderBy(asc(inboxEvents.seq));
}

export async function refusalsOfContact(db: Tx, contactId: string) {
  return db.select().from(complianceLog).where(eq(complianceLog.contactId, contactId)).orderBy(asc(complianceLog.createdAt), asc(complianceLog.id));
}

export async function deadlineMissesOfContact(db: Tx, contactId: string) {
  return db.select().from(deadlineMisses).where(eq(deadlineMisses.contactId, contactId)).orderBy(asc(deadlineMisses.createdAt));
}
