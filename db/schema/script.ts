import { bigserial, boolean, index, integer, pgTable, real, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/**
 * One row per turn of an answered call's script: what was understood (never what was said) and
 * what Redial did. The watchdog reads misunderstandings from here; reports read the script.
 */
export const callTurns = pgTable(
  'call_turns',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    attemptId: uuid().notNull(),
    campaignId: text().notNull(),
    /** 1 for the first answer after the announcement. */
    turn: integer().notNull(),
    /** speech | dtmf */
    input: text().notNull(),
    /** intelligent | basic: the script the turn was answered with. */
    mode: text().notNull(),
    /** The classifier's label (`unknown` below its threshold), `key:N`, or `fallback` when the classifier failed. */
    intent: text().notNull(),
    confidence: real(),
    /** The classifier failed: error | slow | missing (the turn fell back to the key menu). */
    fallback: text(),
    /** The person asked for a person right after a turn that was not understood. */
    humanAfterMisunderstanding: boolean().notNull().default(false),
    /** What Redial did: answer, sms, opt-out, mark:…, callback, hand-over, menu. */
    actions: text().array().notNull(),
    at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('call_turns_attempt_turn_uq').on(t.attemptId, t.turn), index('call_turns_campaign_at_idx').on(t.campaignId, t.at)],
);
