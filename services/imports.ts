/**
 * Contact import, the use case: every row is validated and normalised first; then either
 * everything is written in one transaction (all-or-nothing) or, in partial mode, the valid rows are
 * written and the rest reported. Never silently half-written. Rows with a campaign (the import's,
 * or their own campaignId) are then enrolled into it by a workflow (`import:<id>`), whose progress
 * importProgress reads. A row naming an unknown or cancelled campaign is a rejected row like any
 * other. Reading the file (CSV or JSON, its size limits) is the caller's: rows arrive as objects.
 */
import type { Client } from '@temporalio/client';
import type { CountryCode } from 'libphonenumber-js';
import type { Db } from '../db/client';
import { audit } from '../db/queries/audit';
import { activeStrategy } from '../db/queries/campaigns';
import { importById, insertImport, setImportCounts, upsertContactsBatch, type Import } from '../db/queries/import';
import { isValidTimeZone } from '../domain/local-time';
import { normalizePhone, zoneForCountry } from '../domain/phone';
import { INDUSTRIES } from '../domain/vocabulary';
import { enrolImport } from '../workflows/bulk';
import { importWorkflowId } from '../workflows/constants';
import { notFound, ServiceError, ServiceErrorCode } from './errors';

export interface ImportDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  tenant: string;
  defaultRegion: CountryCode;
}

export const IMPORT_MODES = ['all-or-nothing', 'partial'] as const;
export type ImportMode = (typeof IMPORT_MODES)[number];

/** The fields a row may have (the CSV's columns). */
export const IMPORT_FIELDS = ['phone', 'name', 'timeZone', 'tags', 'industry', 'externalId', 'campaignId'] as const;
/** One row as read from the file: any field may be missing or of the wrong type. */
export type ImportRow = Partial<Record<(typeof IMPORT_FIELDS)[number], unknown>>;

/** The report lists at most this many rejected rows (and says when it is truncated). */
export const IMPORT_REPORTED_ROWS = 1000;
const BATCH = 1000;

export interface RejectedRow {
  row: number;
  phone: string | null;
  reason: string;
}

export interface ImportReport {
  mode: ImportMode;
  rows: number;
  valid: number;
  invalid: number;
  duplicates: number;
  rejected: RejectedRow[];
  truncated: boolean;
  created: number;
  updated: number;
  unchanged: number;
  /** false: nothing was written (all-or-nothing with rejected rows). */
  written: boolean;
  importId: string | null;
  enrolment: { campaignIds: string[]; eventType: string; workflowId: string; toEnrol: number } | null;
}

export interface ImportInput {
  /** Who imports (the API key id): the import's createdBy and the audit actor. */
  actor: string;
  mode: ImportMode;
  /** Enrol every valid row into this campaign (a row's own campaignId overrides it). */
  campaignId?: string;
  /** The event type the enrolment delivers; it must start a follow-up in the campaign's strategy. */
  event: string;
  /** Read only after the import's own campaign is checked: a wrong one costs no read of the body. */
  rows: AsyncIterable<ImportRow>;
}

type CampaignProblem = { code: ServiceErrorCode; reason: string } | null;

/** A campaign a row may enrol into: exists, not cancelled, and the event starts a follow-up in it. */
async function judgeCampaign(db: Db, id: string, event: string): Promise<CampaignProblem> {
  const a = await activeStrategy(db, id);
  if (!a) return { code: ServiceErrorCode.unknownCampaign, reason: `no campaign "${id}"` };
  if (a.status === 'cancelled') return { code: ServiceErrorCode.conflict, reason: `campaign "${id}" is cancelled` };
  if (!a.strategy.triggers.includes(a.strategy.eventMap[event] ?? event))
    return { code: ServiceErrorCode.validation, reason: `event "${event}" starts no follow-up in campaign "${id}" (its triggers: ${a.strategy.triggers.join(', ')}); pass ?event=<one of them>` };
  return null;
}

const blank = (v: unknown) => v === undefined || v === null || v === '';

/**
 * Validates every row, then writes the contacts, the import's record and its row list in one
 * transaction and starts the enrolment when rows have a campaign. An all-or-nothing import with
 * rejected rows writes nothing and returns its report with written: false.
 */
export async function importContacts(deps: ImportDeps, input: ImportInput): Promise<ImportReport> {
  const { db, tenant, defaultRegion, temporal, taskQueue } = deps;
  const { mode, campaignId, event } = input;
  const campaigns = new Map<string, CampaignProblem>();
  const campaignProblem = async (id: string): Promise<CampaignProblem> => {
    if (!campaigns.has(id)) campaigns.set(id, await judgeCampaign(db, id, event));
    return campaigns.get(id)!;
  };
  // the import's own campaign is checked before the rows are read: a wrong one costs nothing
  const importProblem = campaignId ? await campaignProblem(campaignId) : null;
  if (importProblem) throw new ServiceError(importProblem.code, `${importProblem.reason[0]!.toUpperCase()}${importProblem.reason.slice(1)}.`);

  const seen = new Set<string>();
  const valid: Array<{ tenant: string; phone: string; timeZone: string; name: string | null; tags: string[]; industry: string | null; externalId: string | null; campaignId: string | null }> = [];
  const rejected: RejectedRow[] = [];
  let rows = 0;
  let invalid = 0;
  let duplicates = 0;
  const reject = (row: number, phone: string | null, reason: string) => {
    if (rejected.length < IMPORT_REPORTED_ROWS) rejected.push({ row, phone, reason });
  };
  const fallbackZone = zoneForCountry(defaultRegion, 'UTC');
  for await (const raw of input.rows) {
    const row = ++rows;
    const phoneIn = typeof raw.phone === 'string' || typeof raw.phone === 'number' ? String(raw.phone) : '';
    const n = phoneIn ? normalizePhone(phoneIn, defaultRegion) : ({ ok: false, reason: 'phone is missing' } as const);
    const tz = blank(raw.timeZone) ? undefined : String(raw.timeZone);
    const industry = blank(raw.industry) ? null : String(raw.industry);
    const rowCampaign = blank(raw.campaignId) ? (campaignId ?? null) : String(raw.campaignId);
    const problemText = !n.ok
      ? n.reason
      : tz && !isValidTimeZone(tz)
        ? `timeZone "${tz}" is not an IANA time zone`
        : industry && !(INDUSTRIES as readonly string[]).includes(industry)
          ? `industry must be one of ${INDUSTRIES.join(', ')}`
          : rowCampaign
            ? (await campaignProblem(rowCampaign))?.reason
            : null;
    if (problemText || !n.ok) {
      invalid++;
      reject(row, phoneIn || null, problemText ?? 'invalid');
      continue;
    }
    if (seen.has(n.e164)) {
      duplicates++;
      reject(row, n.e164, 'duplicate of an earlier row in this file');
      continue;
    }
    seen.add(n.e164);
    const tags = Array.isArray(raw.tags) ? raw.tags.map(String) : typeof raw.tags === 'string' ? raw.tags.split(/[;|]/).map((t) => t.trim()).filter(Boolean) : [];
    valid.push({
      tenant,
      phone: n.e164,
      timeZone: tz ?? zoneForCountry(n.country, fallbackZone),
      name: blank(raw.name) ? null : String(raw.name).slice(0, 200),
      tags: [...new Set(tags)].slice(0, 50),
      industry,
      externalId: blank(raw.externalId) ? null : String(raw.externalId).slice(0, 200),
      campaignId: rowCampaign,
    });
  }
  if (rows === 0) throw new ServiceError(ServiceErrorCode.validation, 'The import has no rows.');

  const report: ImportReport = { mode, rows, valid: valid.length, invalid, duplicates, rejected, truncated: invalid + duplicates > rejected.length, created: 0, updated: 0, unchanged: 0, written: false, importId: null, enrolment: null };
  if (mode === 'all-or-nothing' && invalid + duplicates > 0) return report;

  const toEnrol = valid.filter((v) => v.campaignId).length;
  const enrol = toEnrol > 0;
  // contacts, the import's record and its row list commit together, or not at all
  const imp = await db.transaction(async (tx) => {
    const imp = await insertImport(tx, { tenant, createdBy: input.actor, mode, rows, created: 0, updated: 0, unchanged: 0, invalid, duplicates, campaignId: campaignId ?? null, eventType: enrol ? event : null, status: enrol ? 'enrolling' : 'written', toEnrol });
    let created = 0;
    let updated = 0;
    for (let i = 0; i < valid.length; i += BATCH) {
      const r = await upsertContactsBatch(tx, valid.slice(i, i + BATCH), imp.id);
      created += r.created;
      updated += r.updated;
    }
    return setImportCounts(tx, imp.id, { created, updated, unchanged: valid.length - created - updated });
  });
  const workflowId = importWorkflowId(imp.id);
  if (enrol) await temporal.workflow.start(enrolImport, { workflowId, taskQueue, args: [{ importId: imp.id }] });
  await audit(db, { actor: input.actor, action: 'contacts.import', target: imp.id, after: { mode, rows, created: imp.created, updated: imp.updated, invalid, duplicates, campaignId: imp.campaignId } });
  return {
    ...report,
    created: imp.created,
    updated: imp.updated,
    unchanged: imp.unchanged,
    written: true,
    importId: imp.id,
    enrolment: enrol ? { campaignIds: [...new Set(valid.map((v) => v.campaignId).filter((x): x is string => !!x))], eventType: event, workflowId, toEnrol } : null,
  };
}

export type ImportStatus = 'written' | 'enrolling' | 'done' | 'failed';

/** An import and how far its enrolment has got (0..1; 1 once it is no longer enrolling). */
export async function importProgress({ db, tenant }: Pick<ImportDeps, 'db' | 'tenant'>, input: { id: string }): Promise<Import & { mode: ImportMode; status: ImportStatus; progress: number }> {
  const imp = await importById(db, tenant, input.id);
  if (!imp) throw notFound(`No import ${input.id}.`);
  const done = imp.enrolled + imp.skipped;
  return {
    ...imp,
    mode: imp.mode as ImportMode,
    status: imp.status as ImportStatus,
    progress: imp.status === 'enrolling' ? Math.min(1, imp.toEnrol ? done / imp.toEnrol : 1) : 1,
  };
}
