/** The event inbox: enqueue in the ingest transaction, claim in order per contact, record each delivery. */
import { and, asc, eq, inArray, lt, lte, notExists, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db, Tx } from '../client';
import { campaigns, contacts, inboxEvents } from '../schema';
import type { CadenceEvent } from '../../domain/cadence-state';
import type { ContactProfile } from './contacts';
import type { InboxState } from '../../domain/vocabulary';

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

type AcceptedRow = { event_id: string; contact_id: string; campaign_id: string; strategy_version: number; workflow_id: string; state: InboxState };

/**
 * Accepts an event in one statement (one round trip, prepared once by postgres.js: the ingest
 * path's cost was mostly per query): upserts the contact (the profile fields the caller gave; the
 * time zone only when explicit, as upsertContact does), inserts the event unless its id is already
 * in the inbox, with the stored profile (time zone, tags, industry) merged into its payload, and
 * NOTIFYs the dispatchers when it was inserted (NOTIFY is transactional: sent at commit). The
 * contact row stays locked until the statement commits, so a contact's events take sequence
 * numbers in commit order. A repeated id returns the first row; a concurrent insert of the same
 * id waits for the first and then finds it.
 */
export async function acceptEvent(
  db: Db,
  contact: ContactProfile & { timeZoneExplicit: boolean },
  e: Omit<NewInboxEvent, 'contactId' | 'tenant' | 'payload'> & { payload: Omit<CadenceEvent, 'profile'> },
): Promise<{ row: AcceptedEvent; inserted: boolean }> {
  const given = (v: unknown) => v !== undefined;
  const [row] = await db.$client<AcceptedRow[]>`
    with c as (
      insert into contacts (tenant, phone, time_zone, name, tags, industry, external_id, consent_source, consent_at)
      values (${contact.tenant}, ${contact.phone}, ${contact.timeZone}, ${contact.name ?? null}, ${JSON.stringify(contact.tags ?? [])}::jsonb,
              ${contact.industry ?? null}, ${contact.externalId ?? null}, ${contact.consentSource ?? null}::text,
              case when ${contact.consentSource ?? null}::text is null then null else now() end)
      on conflict (tenant, phone) do update set
        updated_at = now(),
        deleted_at = null,
        time_zone = case when ${contact.timeZoneExplicit}::boolean then excluded.time_zone else contacts.time_zone end,
        name = case when ${given(contact.name)}::boolean then excluded.name else contacts.name end,
        tags = case when ${given(contact.tags)}::boolean then excluded.tags else contacts.tags end,
        industry = case when ${given(contact.industry)}::boolean then excluded.industry else contacts.industry end,
        external_id = case when ${given(contact.externalId)}::boolean then excluded.external_id else contacts.external_id end
      returning id, time_zone, tags, industry
    ), e as (
      insert into inbox_events (tenant, event_id, contact_id, campaign_id, type, occurred_at, strategy_version, workflow_id, payload)
      select ${contact.tenant}, ${e.eventId}, c.id, ${e.campaignId}, ${e.type}, ${e.occurredAt.toISOString()}::timestamptz, ${e.strategyVersion}::int, ${e.workflowId},
             ${JSON.stringify(e.payload)}::jsonb || jsonb_build_object('profile', jsonb_build_object('timeZone', c.time_zone, 'tags', c.tags, 'industry', c.industry))
      from c
      on conflict (tenant, event_id) do nothing
      returning event_id, contact_id, campaign_id, strategy_version, workflow_id, state
    )
    select e.*, pg_notify(${INBOX_CHANNEL}, '') is null as notified from e`;
  if (row) return { row: { eventId: row.event_id, contactId: row.contact_id, campaignId: row.campaign_id, strategyVersion: row.strategy_version, workflowId: row.workflow_id, state: row.state }, inserted: true };
  const [existing] = await db
    .select(acceptedColumns)
    .from(inboxEvents)
    .where(and(eq(inboxEvents.tenant, contact.tenant), eq(inboxEvents.eventId, e.eventId)));
  return { row: existing!, inserted: false };
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
