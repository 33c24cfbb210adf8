import { boolean, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * The last check of every URL found in an active strategy (SMS texts, scripts, any string): DNS,
 * HTTP status, the redirect chain and a timeout (services/link-check.ts). A campaign whose
 * strategy holds a dead URL is flagged by it, and its SMS carrying one are held when the strategy
 * says so (`onDeadLink`).
 */
export const linkStatus = pgTable('link_status', {
  url: text().primaryKey(),
  ok: boolean().notNull(),
  /** Why the link is dead (dns, http 404, redirect loop, timeout, private address…); null when ok. */
  problem: text(),
  /** The final HTTP status, when one was received. */
  httpStatus: integer(),
  /** Every hop: the URL asked and the status it answered. */
  chain: jsonb().$type<Array<{ url: string; status: number | null }>>().notNull(),
  ms: integer().notNull(),
  checkedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});
