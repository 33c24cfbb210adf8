import { sql } from 'drizzle-orm';
import { index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { attempts } from './attempts';

/**
 * Call recordings fetched from the carrier into the recordings store (activities/recordings.ts):
 * one row per recording, its file named by the recording id, its checksum, and when it may be
 * purged (domain/recordings.ts: the strategy's retention, never under the industry's minimum).
 * The daily routine purges what is due (purged_at, audited); the monthly one verifies the files.
 */
export const recordings = pgTable(
  'recordings',
  {
    id: uuid().primaryKey().defaultRandom(),
    /** The carrier's Recording SID (RE…). */
    recordingSid: text().notNull(),
    attemptId: uuid()
      .notNull()
      .references(() => attempts.id),
    campaignId: text().notNull(),
    /** The campaign's industry (else the contact's) when it was recorded: its retention floor. */
    industry: text(),
    /** The file's name inside the recordings store (REDIAL_RECORDINGS_DIR). */
    file: text().notNull(),
    sha256: text().notNull(),
    bytes: integer().notNull(),
    durationSec: integer(),
    retentionDays: integer().notNull(),
    recordedAt: timestamp({ withTimezone: true }).notNull(),
    storedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    purgeAfter: timestamp({ withTimezone: true }).notNull(),
    purgedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    uniqueIndex('recordings_recording_sid_uq').on(t.recordingSid),
    index('recordings_attempt_idx').on(t.attemptId),
    index('recordings_due_idx').on(t.purgeAfter).where(sql`${t.purgedAt} is null`),
  ],
);
