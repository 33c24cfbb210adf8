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
  /** active | failed (automatic failover, probed for recovery) | closed (by an operator or the daily routine) */
  state: text().notNull().default('active'),
  /**
   * Who took the line out of service (null while active): failover and routine lines are probed
   * and come back on clean probes (domain/line-service.ts); an admin's stays closed until an admin
   * opens it.
   */
  closedBy: text(),
  stateChangedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  lastProbeAt: timestamp({ withTimezone: true }),
  /** Pacing: the earliest moment the next call may be sent on this line (shared by all workers). */
  nextSlotAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});
