/** The attempts export (admin): audited once, then read page by page as the caller consumes it. */
import type { Db } from '../db/client';
import { audit } from '../db/queries/audit';
import { attemptsPage } from '../db/queries/reports';

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
 * Audits the export (`export.attempts`), then returns every matching attempt with its contact's
 * phone and name, in id order. Nothing is read until the caller iterates.
 */
export async function exportAttempts({ db }: ExportDeps, input: AttemptsExportInput): Promise<AsyncGenerator<ExportedAttempt>> {
  await audit(db, { actor: input.actor, action: 'export.attempts', after: input.filter });
  const f = input.filter;
  return pages(db, { campaignId: f.campaignId, from: f.from ? new Date(f.from) : undefined, to: f.to ? new Date(f.to) : undefined });
}

async function* pages(db: Db, filter: Parameters<typeof attemptsPage>[1]): AsyncGenerator<ExportedAttempt> {
  let after: string | null = null;
  for (;;) {
    // keyset pagination on the attempt id: constant memory however large the export
    const rows = await attemptsPage(db, filter, after, PAGE);
    yield* rows;
    if (rows.length < PAGE) break;
    after = rows[rows.length - 1]!.a.id;
  }
}
