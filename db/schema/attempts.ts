import { bigserial, index, integer, jsonb, numeric, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { contacts } from './contacts';

export interface PlayedScript {
  strategyVersion: number;
  mode: 'intelligent' | 'basic' | 'safe';
  announcement: { text: string; language: string };
  /** sha256 of the effective script (the strategy's steps over the industry's defaults), 16 hex. */
  script: string;
  at: string;
}

/**
 * One row per granted reservation (a call or an SMS) and its outcome. The idempotency key
 * (workflow id + attempt number) makes the reservation gate safe to retry; the CallSid links
 * carrier callbacks back to it.
 */
export const attempts = pgTable(
  'attempts',
  {
    id: uuid().primaryKey().defaultRandom(),
    idempotencyKey: text().notNull(),
    contactId: uuid()
      .notNull()
      .references(() => contacts.id),
    campaignId: text().notNull(),
    workflowId: text().notNull(),
    /** call | sms */
    channel: text().notNull(),
    strategyVersion: integer().notNull(),
    /** The contact's local calendar day at reservation time: the daily cap counts these. */
    localDay: text().notNull(),
    lineId: text(),
    providerSid: text(),
    /** reserved → queued/initiated/ringing/in-progress → a terminal Twilio status, or carrier-failed */
    status: text().notNull().default('reserved'),
    answeredBy: text(),
    durationSec: integer(),
    sipResponseCode: integer(),
    price: numeric(),
    /** What the follow-up learned: answered, converted, opted-out, no-answer, busy, machine, invalid, carrier-failure */
    outcome: text(),
    lastSequence: integer().notNull().default(-1),
    /** An SMS the carrier could not deliver: its ErrorCode (e.g. 30005 unknown destination). */
    errorCode: integer(),
    /** A call answered by a machine: whether a voicemail was left on it or it was hung up (left | hung-up). */
    voicemail: text(),
    /** What an answered call played: the strategy version, the mode, the announcement and the script's fingerprint (the compliance record). */
    played: jsonb().$type<PlayedScript>(),
    /** What the script learned (interested, not-interested, wrong-number, callback, handed-over, opted-out). */
    scriptOutcome: text(),
    /** The person asked to be called back then (the cadence's rules still apply). */
    callbackAt: timestamp({ withTimezone: true }),
    reservedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    placedAt: timestamp({ withTimezone: true }),
    endedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    uniqueIndex('attempts_idempotency_key_uq').on(t.idempotencyKey),
    uniqueIndex('attempts_provider_sid_uq').on(t.providerSid),
    index('attempts_contact_day_idx').on(t.contactId, t.localDay),
    index('attempts_campaign_reserved_idx').on(t.campaignId, t.reservedAt),
    index('attempts_line_reserved_idx').on(t.lineId, t.reservedAt),
    // the incident watchdog's and the reports' windows over every campaign (test/db-health.test.ts)
    index('attempts_reserved_idx').on(t.reservedAt),
  ],
);

/** Raw carrier callbacks, stored once: a replay of the same (sid, status, sequence) is a no-op. */
export const callEvents = pgTable(
  'call_events',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    providerSid: text().notNull(),
    status: text().notNull(),
    sequenceNumber: integer().notNull(),
    payload: jsonb().$type<Record<string, string>>().notNull(),
    receivedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('call_events_sid_status_seq_uq').on(t.providerSid, t.status, t.sequenceNumber)],
);

/** Raw SMS status callbacks (sent, delivered, undelivered, failed), stored once per message and status. */
export const messageEvents = pgTable(
  'message_events',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    providerSid: text().notNull(),
    status: text().notNull(),
    payload: jsonb().$type<Record<string, string>>().notNull(),
    receivedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('message_events_sid_status_uq').on(t.providerSid, t.status)],
);

/**
 * At most one voicemail per contact and campaign: the call that inserts the row leaves the
 * message, any other machine answer (even a concurrent one) is hung up.
 */
export const voicemailDrops = pgTable(
  'voicemail_drops',
  {
    contactId: uuid()
      .notNull()
      .references(() => contacts.id),
    campaignId: text().notNull(),
    attemptId: uuid().notNull(),
    leftAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: 'voicemail_drops_pk', columns: [t.contactId, t.campaignId] })],
);
