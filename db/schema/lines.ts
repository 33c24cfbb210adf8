import { integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** A carrier line: one Twilio account + from number, with a tier and a calls-per-second cap. */
export const lines = pgTable('lines', {
  id: text().primaryKey(),
  provider: text().notNull().default('twilio'),
  accountSid: text().notNull(),
  authToken: text().notNull(),
  fromNumber: text().notNull(),
  /** premium | standard | backup */
  tier: text().notNull(),
  cps: integer().notNull(),
  /** active | closed | failed */
  state: text().notNull().default('active'),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});
