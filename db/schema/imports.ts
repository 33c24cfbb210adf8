import { integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { contacts } from './contacts';

/**
 * One written import: its counts, and, when it enrols its rows into a campaign, the enrolment's
 * progress (the enrolment runs as a Temporal workflow, `import:<id>`).
 */
export const imports = pgTable('imports', {
  id: uuid().primaryKey().defaultRandom(),
  tenant: text().notNull(),
  createdBy: text().notNull(),
  mode: text().notNull(),
  rows: integer().notNull(),
  created: integer().notNull(),
  updated: integer().notNull(),
  unchanged: integer().notNull(),
  invalid: integer().notNull(),
  duplicates: integer().notNull(),
  /** The import's ?campaignId (rows may name their own in a campaignId column). */
  campaignId: text(),
  eventType: text(),
  /** written (no enrolment) | enrolling | done | failed */
  status: text().notNull(),
  /** Rows to enrol (the import's valid rows). */
  toEnrol: integer().notNull().default(0),
  enrolled: integer().notNull().default(0),
  /** Rows not enrolled: the contact opted out, is invalid or was deleted since. */
  skipped: integer().notNull().default(0),
  /** The last contact id enrolled: the enrolment's resume point, and what makes a retried page count once. */
  cursor: uuid(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  finishedAt: timestamp({ withTimezone: true }),
});

/** Which contacts an import carried and the campaign each is enrolled into (what its enrolment pages through). */
export const importContacts = pgTable(
  'import_contacts',
  {
    importId: uuid()
      .notNull()
      .references(() => imports.id, { onDelete: 'cascade' }),
    contactId: uuid()
      .notNull()
      .references(() => contacts.id),
    /** The row's campaignId column, else the import's ?campaignId; null: not enrolled. */
    campaignId: text(),
  },
  (t) => [primaryKey({ name: 'import_contacts_pk', columns: [t.importId, t.contactId] })],
);
