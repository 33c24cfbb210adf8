import { sql } from 'drizzle-orm';
import { bigserial, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { CadenceEvent } from '../../domain/cadence-state';
import type { InboxState } from '../../domain/vocabulary';
import { contacts } from './contacts';

/**
 * The durable inbox of business events: `POST /v1/events` writes a row in the same transaction as
 * the contact, and the dispatcher (services/inbox.ts) delivers it to the contact's cadence. An
 * event is accepted once PostgreSQL has it, whether Temporal is up or not.
 */
export const inboxEvents = pgTable(
  'inbox_events',
  {
    /** Insertion order: a contact's events are delivered by ascending sequence, never overtaking. */
    seq: bigserial({ mode: 'number' }).primaryKey(),
    tenant: text().notNull(),
    /** The caller's idempotency key (or one derived from the content): one row per tenant and id. */
    eventId: text().notNull(),
    contactId: uuid()
      .notNull()
      .references(() => contacts.id),
    campaignId: text().notNull(),
    type: text().notNull(),
    occurredAt: timestamp({ withTimezone: true }).notNull(),
    strategyVersion: integer().notNull(),
    workflowId: text().notNull(),
    /** The event exactly as the cadence receives it (strategy version and body, profile). */
    payload: jsonb().$type<CadenceEvent>().notNull(),
    /** queued | delivered | failed (permanently: the reason is in lastError) */
    state: text().$type<InboxState>().notNull().default('queued'),
    attempts: integer().notNull().default(0),
    /** The last delivery error, phone numbers masked. */
    lastError: text(),
    /** A queued event is not tried before this moment (backoff after a transient failure). */
    nextAttemptAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp({ withTimezone: true }),
    /** When it was last tried (delivered, failed or backed off). */
    lastAttemptAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    uniqueIndex('inbox_events_tenant_event_uq').on(t.tenant, t.eventId),
    // the dispatcher's scan, and its "has this contact an earlier queued event?" probe
    index('inbox_events_queued_idx').on(t.seq).where(sql`${t.state} = 'queued'`),
    index('inbox_events_contact_queued_idx').on(t.contactId, t.seq).where(sql`${t.state} = 'queued'`),
    // a contact's timeline: every event accepted for it
    index('inbox_events_contact_idx').on(t.contactId, t.seq),
  ],
);
