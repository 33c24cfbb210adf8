import { integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

export const campaigns = pgTable('campaigns', {
  id: text().primaryKey(),
  tenant: text().notNull().default('default'),
  name: text().notNull(),
  industry: text(),
  /** active | paused | cancelled (final) */
  status: text().notNull().default('active'),
  activeStrategyVersion: integer().notNull(),
  /** A calls-per-second cap for this campaign across its lines (null: only the lines' caps); incidents lower it. */
  cps: integer(),
  /** Pacing under `cps`: the earliest moment the campaign's next call may be sent. */
  nextSlotAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  /**
   * intelligent: answered calls understand speech (the strategy's script); basic: the announcement and
   * the key menu. A misunderstanding spike switches to basic; only an operator switches back.
   */
  scriptMode: text().notNull().default('intelligent'),
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
