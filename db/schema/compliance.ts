import { bigserial, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/** The DNC list. A number on it is never dialled or texted again until an admin removes it. */
export const optOuts = pgTable(
  'opt_outs',
  {
    tenant: text().notNull().default('default'),
    phone: text().notNull(),
    /** dtmf | sms | operator | api | carrier (the carrier refused a text as unsubscribed while the number was not listed: services/opt-out-safety.ts) */
    source: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: 'opt_outs_pk', columns: [t.tenant, t.phone] })],
);

/** Every refused reservation and why: the answer to "why was this number not called?". */
export const complianceLog = pgTable(
  'compliance_log',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    /** workflow id + sequence: a retried gate records its refusal once. */
    idempotencyKey: text(),
    contactId: uuid(),
    campaignId: text(),
    workflowId: text().notNull(),
    channel: text().notNull(),
    reason: text().notNull(),
    detail: jsonb().$type<Record<string, unknown>>(),
    strategyVersion: integer(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('compliance_log_contact_idx').on(t.contactId, t.createdAt),
    uniqueIndex('compliance_log_idempotency_key_uq').on(t.idempotencyKey),
  ],
);

/**
 * First contacts that could not happen before their trigger's deadline (`firstContactWithinMinutes`),
 * one row per follow-up: why, and what the strategy did about it — called at the first allowed
 * instant anyway, or handed to a person (`handed-off`, open until someone marks it done).
 */
export const deadlineMisses = pgTable(
  'deadline_misses',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    tenant: text().notNull().default('default'),
    followUpId: text().notNull(),
    workflowId: text().notNull(),
    contactId: uuid().notNull(),
    campaignId: text().notNull(),
    trigger: text().notNull(),
    deadlineAt: timestamp({ withTimezone: true }).notNull(),
    /** quiet-hours | blocked-window | holiday | daily-cap | grace-period | interface-hold | lockdown | campaign-paused | backlog | … */
    reason: text().notNull(),
    /** called-late | handed-off */
    action: text().notNull(),
    /** When the first attempt can happen (null: not within the planning horizon, or handed off). */
    expectedAt: timestamp({ withTimezone: true }),
    /** A hand-off a person has taken care of. */
    handledAt: timestamp({ withTimezone: true }),
    handledBy: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('deadline_misses_follow_up_uq').on(t.tenant, t.followUpId), index('deadline_misses_campaign_idx').on(t.campaignId, t.createdAt)],
);
