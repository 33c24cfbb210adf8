import { index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Carrier webhooks already handled, by their I-Twilio-Idempotency-Token: a redelivery of one is
 * answered without acting twice. Kept for WEBHOOK_TOKEN_RETENTION_MS (domain/webhooks.ts).
 */
export const webhookReceipts = pgTable(
  'webhook_receipts',
  {
    token: text().primaryKey(),
    receivedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('webhook_receipts_received_idx').on(t.receivedAt)],
);
