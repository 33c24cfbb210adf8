/** The event inbox: enqueue in the ingest transaction, claim in order per contact, record each delivery. */
import { and, asc, eq, inArray, lt, lte, notExists, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db, Tx } from '../client';
import { campaigns, contacts, inboxEvents } from '../schema';

export type InboxEvent = typeof inboxEvents.$inferSelect;
export type NewInboxEvent = Pick<typeof inboxEvents.$inferInsert, 'tenant' | 'eventId' | 'contactId' | 'campaignId' | 'type' | 'occurredAt' | 'strategyVersion' | 'workflowId' | 'payload'>;

/** What the caller of POST /v1/events is told (the payload is not read back on the hot path). */
const acceptedColumns = {
  eventId: inboxEvents.eventId,
  contactId: inboxEvents.contactId,
  campaignId: inboxEvents.campaignId,
  strategyVersion: inboxEvents.strategyVersion,
  workflowId: inboxEvents.workflowId,
  state: inboxEvents.state,
};
export type AcceptedEvent = { [K in keyof typeof acceptedColumns]: InboxEvent[K] };

/** The channel a committed event is announced on: dispatchers LISTEN and deliver at once. */
export const INBOX_CHANNEL = 'redial_inbox';

/**
 * Inserts the event unless its id is already in the inbox; either way returns the row. A
 * concurrent insert of the same id waits for the first and then finds it.
 */
export async function enqueueEvent(db: Tx, e: NewInboxEvent): Promise<{ row: AcceptedEvent; inserted: boolean }> {
  const [row] = await db.insert(inboxEvents).values(e).onConflictDoNothing({ target: [inboxEvents.tenant, inboxEvents.eventId] }).returning(acceptedColumns);
  if (row) return { row, inserted: true };
  const [existing] = await db
    .select(acceptedColumns)
    .from(inboxEvents)
    .where(and(eq(inboxEvents.tenant, e.tenant), eq(inboxEvents.eventId, e.eventId)));
  return { row: existing!, inserted: false };
}

/** Wakes the dispatchers when the enclosing transaction commits (NOTIFY is transactional). */
export async function notifyInbox(db: Tx) {
  await db.execute(sql`select pg_notify(${INBOX_CHANNEL}, '')`);
}

/**
 * Calls `onEvent` for every NOTIFY on the inbox channel, on a connection of its own. postgres.js
 * listens again by itself after a lost connection and calls `onEvent` then too, so a caller that
 * catches up on each call misses nothing.
 */
export function listenInbox(db: Db, onEvent: () => void) {
  return db.$client.listen(INBOX_CHANNEL, onEvent, onEvent);
}

export async function inboxEventById(db: Tx, tenant: string, eventId: string): Promise<InboxEvent | null> {
  const [row] = await db
    .select()
    .from(inboxEvents)
    .where(and(eq(inboxEvents.tenant, tenant), eq(inboxEvents.eventId, eventId)));
  return row ?? null;
}

const earlier = alias(inboxEvents, 'earlier');

/**
 * Claims up to `limit` due events, at most one per contact: each contact's oldest queued event,
 * and only when it is due. Rows another dispatcher holds are skipped, and so are the later events
 * of their contacts (an earlier one is still queued), so no contact's event ever overtakes an
 * earlier one. The locks last as long as the caller's transaction.
 */
export async function claimDueEvents(tx: Tx, limit: number) {
  return tx
    .select({ event: inboxEvents, contact: contacts, campaignStatus: campaigns.status })
    .from(inboxEvents)
    .innerJoin(contacts, eq(contacts.id, inboxEvents.contactId))
    .leftJoin(campaigns, eq(campaigns.id, inboxEvents.campaignId))
    .where(
      and(
        eq(inboxEvents.state, 'queued'),
        lte(inboxEvents.nextAttemptAt, sql`now()`),
        notExists(
          tx
            .select({ one: sql`1` })
            .from(earlier)
            .where(and(eq(earlier.contactId, inboxEvents.contactId), eq(earlier.state, 'queued'), lt(earlier.seq, inboxEvents.seq))),
        ),
      ),
    )
    .orderBy(asc(inboxEvents.seq))
    .limit(limit)
    .for('update', { of: inboxEvents, skipLocked: true });
}

export type ClaimedEvent = Awaited<ReturnType<typeof claimDueEvents>>[number];

export async function markDelivered(tx: Tx, seqs: number[], at: Date) {
  if (!seqs.length) return;
  await tx
    .update(inboxEvents)
    .set({ state: 'delivered', attempts: sql`${inboxEvents.attempts} + 1`, deliveredAt: at, lastAttemptAt: at })
    .where(inArray(inboxEvents.seq, seqs));
}

/** A transient failure: stays queued, tried again at `retryAt`. */
export async function markRetry(tx: Tx, seq: number, error: string, at: Date, retryAt: Date) {
  await tx
    .update(inboxEvents)
    .set({ attempts: sql`${inboxEvents.attempts} + 1`, lastError: error.slice(0, 500), lastAttemptAt: at, nextAttemptAt: retryAt })
    .where(eq(inboxEvents.seq, seq));
}

/** A permanent failure: never tried again; the contact's later events go on. */
export async function markFailed(tx: Tx, seq: number, error: string, at: Date) {
  await tx
    .update(inboxEvents)
    .set({ state: 'failed', attempts: sql`${inboxEvents.attempts} + 1`, lastError: error.slice(0, 500), lastAttemptAt: at })
    .where(eq(inboxEvents.seq, seq));
}

/** Events waiting for their cadence, and how long the oldest has waited (the partial queued index answers both). */
export async function inboxBacklog(db: Tx): Promise<{ queued: number; oldestQueuedAt: Date | null }> {
  const [row] = await db
    .select({ queued: sql<number>`count(*)::int`, oldest: sql<string | null>`min(${inboxEvents.createdAt})` })
    .from(inboxEvents)
    .where(eq(inboxEvents.state, 'queued'));
  return { queued: row?.queued ?? 0, oldestQueuedAt: row?.oldest ? new Date(row.oldest) : null };
}

/** When an accepted event happened (its occurredAt), by the caller's id; null for an unknown one. */
export async function eventOccurredAt(db: Tx, tenant: string, eventId: string): Promise<Date | null> {
  const [row] = await db
    .select({ at: inboxEvents.occurredAt })
    .from(inboxEvents)
    .where(and(eq(inboxEvents.tenant, tenant), eq(inboxEvents.eventId, eventId)));
  return row?.at ?? null;
}
