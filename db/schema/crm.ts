import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { BusinessOutcome, CrmDeliveryState, CrmMapping } from '../../domain/crm';
import { campaigns } from './campaigns';

/**
 * A campaign's CRM endpoint (services/crm-deliveries.ts): where its business outcomes go, the
 * signing secret (sealed under the keyring like line tokens) and the field mapping.
 */
export const crmEndpoints = pgTable('crm_endpoints', {
  campaignId: text()
    .primaryKey()
    .references(() => campaigns.id),
  url: text().notNull(),
  /** Sealed (services/keyring.ts): never in clear at rest, never in a view or the audit log. */
  secret: text().notNull(),
  mapping: jsonb().$type<CrmMapping>().notNull(),
  enabled: boolean().notNull().default(true),
  updatedBy: text().notNull(),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/**
 * One row per business outcome to hand to a CRM, written in the transaction that records the
 * outcome; a Temporal workflow per row (workflows/crm-delivery.ts) delivers it with retries.
 */
export const crmDeliveries = pgTable(
  'crm_deliveries',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    tenant: text().notNull(),
    campaignId: text().notNull(),
    /** The outcome's id (e.g. attempt:<uuid>): one delivery per outcome, whatever redelivers the callback. */
    outcomeId: text().notNull(),
    outcome: text().$type<BusinessOutcome>().notNull(),
    contactId: uuid().notNull(),
    attemptId: uuid(),
    url: text().notNull(),
    /** The exact body POSTed (and signed): built once from the mapping in force when the outcome happened. */
    body: text().notNull(),
    state: text().$type<CrmDeliveryState>().notNull().default('pending'),
    /** Tries so far, over every run (a replay adds to them). */
    attempts: integer().notNull().default(0),
    lastError: text(),
    lastStatus: integer(),
    /** When the delivery workflow was started (null: the dispatcher has yet to start it). */
    dispatchedAt: timestamp({ withTimezone: true }),
    /** Waiting for a lockdown's release (held, not failing). */
    heldAt: timestamp({ withTimezone: true }),
    nextAttemptAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp({ withTimezone: true }),
    deadAt: timestamp({ withTimezone: true }),
    replays: integer().notNull().default(0),
  },
  (t) => [
    uniqueIndex('crm_deliveries_outcome_uq').on(t.campaignId, t.outcomeId),
    index('crm_deliveries_tenant_id_idx').on(t.tenant, t.id),
    index('crm_deliveries_undispatched_idx').on(t.id).where(sql`${t.dispatchedAt} is null`),
  ],
);

/** Every try of a delivery: when, what the receiver answered or what failed, how long it took. */
export const crmDeliveryAttempts = pgTable(
  'crm_delivery_attempts',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    deliveryId: bigint({ mode: 'number' })
      .notNull()
      .references(() => crmDeliveries.id),
    at: timestamp({ withTimezone: true }).notNull().defaultNow(),
    status: integer(),
    error: text(),
    durationMs: integer().notNull(),
  },
  (t) => [index('crm_delivery_attempts_delivery_idx').on(t.deliveryId, t.id)],
);
