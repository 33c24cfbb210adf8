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
