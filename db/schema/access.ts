import { bigserial, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/**
 * API keys are stored as keyed hashes (HMAC under REDIAL_HASH_SECRET, services/keys.ts); the
 * plaintext is shown once, at creation. A key past `expiresAt` no longer signs in.
 */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: text().primaryKey(),
    name: text().notNull(),
    /** admin | operator | viewer */
    role: text().notNull(),
    hash: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp({ withTimezone: true }),
    revokedAt: timestamp({ withTimezone: true }),
    expiresAt: timestamp({ withTimezone: true }),
  },
  (t) => [uniqueIndex('api_keys_hash_uq').on(t.hash)],
);

export const auditLog = pgTable('audit_log', {
  id: bigserial({ mode: 'number' }).primaryKey(),
  actor: text().notNull(),
  action: text().notNull(),
  target: text(),
  before: jsonb(),
  after: jsonb(),
  at: timestamp({ withTimezone: true }).notNull().defaultNow(),
});
