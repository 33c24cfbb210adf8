import { integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

export const campaigns = pgTable('campaigns', {
  id: text().primaryKey(),
  tenant: text().notNull().default('default'),
  name: text().notNull(),
  industry: text(),
  /** active | paused */
  status: text().notNull().default('active'),
  activeStrategyVersion: integer().notNull(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/** Strategy versions are immutable: a change is a new row, activation moves campaigns.activeStrategyVersion. */
export const strategies = pgTable(
  'strategies',
  {
    campaignId: text()
      .notNull()
      .references(() => campaigns.id),
    version: integer().notNull(),
    body: jsonb().notNull(),
    createdBy: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: 'strategies_pk', columns: [t.campaignId, t.version] })],
);
