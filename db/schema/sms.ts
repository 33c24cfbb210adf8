import { bigserial, index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { contacts } from './contacts';

/**
 * Texts people sent us (inbound SMS from a known contact): opt-outs, resubscribes and free
 * replies. The body is personal data: sealed under the keyring (services/sms-replies.ts), never
 * logged. One row per carrier MessageSid, so a redelivered webhook records nothing twice.
 */
export const smsReplies = pgTable(
  'sms_replies',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    tenant: text().notNull(),
    contactId: uuid()
      .notNull()
      .references(() => contacts.id),
    /** The campaign of the last text we sent the person, when there was one. */
    campaignId: text(),
    /** The line (our number) it was sent to. */
    lineId: text(),
    providerSid: text().notNull(),
    /** sealed:v1:… (purpose sms-reply-body) */
    body: text().notNull(),
    /** opt-out | resubscribe | reply */
    kind: text().notNull(),
    /** What Redial did: opted-out, resubscribed, kept-opted-out (the opt-out was not by SMS), recorded, callback */
    action: text().notNull(),
    receivedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('sms_replies_provider_sid_uq').on(t.providerSid), index('sms_replies_contact_idx').on(t.contactId, t.receivedAt)],
);
