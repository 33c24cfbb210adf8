import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/**
 * Lockdowns, the data-leak playbook (services/lockdown.ts): at most one is in force (releasedAt
 * null); released ones stay as the record of when and why. The state lives here, not in a
 * process, so every API process and the gate of every worker see the same switch.
 */
export const lockdowns = pgTable(
  'lockdowns',
  {
    id: uuid().primaryKey().defaultRandom(),
    reason: text().notNull(),
    /** The compliance gate refuses new attempts (reason `lockdown`) while this lockdown holds. */
    pauseDialling: boolean().notNull().default(false),
    engagedBy: text().notNull(),
    engagedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    releasedBy: text(),
    releasedAt: timestamp({ withTimezone: true }),
  },
  // one lockdown in force at a time: two admins pulling the switch together get one
  (t) => [uniqueIndex('lockdowns_in_force_uq').on(sql`(true)`).where(sql`${t.releasedAt} is null`)],
);

/**
 * Reads of personal data by API key (contact detail, exports): the scope report of a lockdown
 * (`GET /v1/audit/exports`) answers from it which keys read which contacts, when. Ingestion is
 * not a read and is not recorded.
 */
export const accessLog = pgTable(
  'access_log',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    keyId: text().notNull(),
    /** contact.read | export.attempts */
    action: text().notNull(),
    /** The contacts read; null when there were more than an entry keeps (the filter and count say what was read). */
    contactIds: uuid().array(),
    /** Rows read (an export's lines; 1 for a contact). */
    rows: integer().notNull(),
    /** Distinct contacts among them. */
    contacts: integer().notNull(),
    /** The request's filter, as the caller gave it (an export's campaign and time window). */
    filter: jsonb(),
    at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('access_log_at_idx').on(t.at)],
);

/**
 * The outbox of outbound integrations (today the ops webhook): every delivery is a row, delivered
 * in id order by whichever process drains it (services/outbox.ts). A lockdown stops the draining:
 * rows wait here, durably, and go out in order after the release.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    /** ops-webhook */
    target: text().notNull(),
    url: text().notNull(),
    payload: jsonb().notNull(),
    /** The alert this delivers (its deliveredAt / deliveryError follow the row). */
    alertId: bigint({ mode: 'number' }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    attempts: integer().notNull().default(0),
    lastError: text(),
    /** Not tried before this moment (backoff after a failure). */
    nextAttemptAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp({ withTimezone: true }),
    /** Given up after the last attempt (dead letter: the row and its error stay). */
    failedAt: timestamp({ withTimezone: true }),
  },
  (t) => [index('outbox_pending_idx').on(t.id).where(sql`${t.deliveredAt} is null and ${t.failedAt} is null`)],
);
