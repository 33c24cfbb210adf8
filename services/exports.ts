/**
 * The attempts export (admin): refused during a lockdown, audited once, then read page by page as
 * the caller consumes it; what was read (rows, the contacts in them) goes to the access log when
 * the caller stops, whether it read to the end or not.
 */
import type { Db } from '../db/client';
import { audit } from '../db/queries/audit';
import { attemptsPage } from '../db/queries/reports';
import { ACCESS_IDS_MAX, assertNotLockedDown, currentLockdown, recordRead } from './lockdown';

const PAGE = 2000;

export interface ExportDeps {
  db: Db;
}

export interface AttemptsExportInput {
  actor: string;
  /** As the caller asked for it (it is what the audit row records); times are ISO 8601. */
  filter: { campaignId?: string; from?: string; to?: string };
}

export type ExportedAttempt = Awaited<ReturnType<typeof attemptsPage>>[number];

/**
 * Refuses while a lockdown is in force (ServiceError `lockdown`), audits the export
 * (`export.attempts`), then returns every matching attempt with its contact's phone and name, in
 * id order. Nothing is read until the caller iterates; a lockdown engaged meanwhile stops it at
 * the next page.
 */
export async function exportAttempts({ db }: ExportDeps, input: AttemptsExportInput): Promise<AsyncGenerator<ExportedAttempt>> {
  await assertNotLockedDown({ db }, { actor: input.actor, what: 'GET /v1/exports/attempts.csv' });
  await audit(db, { actor: input.actor, action: 'export.attempts', after: input.filter });
  const f = input.filter;
  return pages(db, input, { campaignId: f.campaignId, from: f.from ? new Date(f.from) : undefined, to: f.to ? new Date(f.to) : undefined });
}

async function* pages(db: Db, input: AttemptsExportInput, filter: Parameters<typeof attemptsPage>[1]): AsyncGenerator<ExportedAttempt> {
  let after: string | null = null;
  let rows = 0;
  const contacts = new Set<string>();
  let uncounted = false;
  try {
    for (;;) {
      if (rows > 0 && (await currentLockdown({ db }))) await assertNotLockedDown({ db }, { actor: input.actor, what: 'GET /v1/exports/attempts.csv' });
      // keyset pagination on the attempt id: constant memory however large the export
      const page = await attemptsPage(db, filter, after, PAGE);
      for (const r of page) {
        rows++;
        // the contacts an export named, up to what an access-log entry keeps (then the filter says it)
        if (!uncounted) contacts.add(r.a.contactId);
        if (contacts.size > ACCESS_IDS_MAX) uncounted = true;
        yield r;
      }
      if (page.length < PAGE) break;
      after = page[page.length - 1]!.a.id;
    }
  } finally {
    await recordRead({ db }, { actor: input.actor, action: 'export.attempts', contactIds: uncounted ? null : contacts, rows, contacts: contacts.size, filter: input.filter });
  }
}
