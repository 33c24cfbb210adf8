import { sql } from 'drizzle-orm';
import { index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/** One person we may follow up with. The phone is always normalised E.164; unique per tenant. */
export const contacts = pgTable(
  'contacts',
  {
    id: uuid().primaryKey().defaultRandom(),
    tenant: text().notNull().default('default'),
    phone: text().notNull(),
    name: text(),
    timeZone: text().notNull(),
    tags: jsonb().$type<string[]>().notNull().default([]),
    industry: text(),
    externalId: text(),
    /** active | invalid (number does not exist) | opted_out */
    status: text().notNull().default('active'),
    consentSource: text(),
    consentAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    uniqueIndex('contacts_tenant_phone_uq').on(t.tenant, t.phone),
    uniqueIndex('contacts_tenant_external_id_uq').on(t.tenant, t.externalId).where(sql`${t.externalId} is not null`),
    index('contacts_status_idx').on(t.status),
  ],
);
