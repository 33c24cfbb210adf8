import { sql } from 'drizzle-orm';
import { bigserial, integer, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/**
 * Words operators add to the maintained sensitive-word lists (domain/sensitive-words.ts holds the
 * built-in ones). Rows are never deleted: a removal is stamped, and every change carries the list
 * version it made (audited too), so "which list screened this strategy" has an answer.
 */
export const sensitiveWords = pgTable(
  'sensitive_words',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    /** general (every campaign) or an industry */
    scope: text().notNull(),
    word: text().notNull(),
    category: text().notNull(),
    addedBy: text().notNull(),
    addedInVersion: integer().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    removedBy: text(),
    removedInVersion: integer(),
    removedAt: timestamp({ withTimezone: true }),
  },
  (t) => [uniqueIndex('sensitive_words_live_uq').on(t.scope, sql`lower(${t.word})`).where(sql`${t.removedAt} is null`)],
);
