import { integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { attempts } from './attempts';

/**
 * What was said on a call, one row per turn (the announcement, the script's lines, the callee's
 * speech). The monthly sensitive-word scan reads the month's transcripts; intent classification
 * writes them.
 */
export const callTranscripts = pgTable(
  'call_transcripts',
  {
    attemptId: uuid()
      .notNull()
      .references(() => attempts.id),
    turn: integer().notNull(),
    text: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: 'call_transcripts_pk', columns: [t.attemptId, t.turn] })],
);
