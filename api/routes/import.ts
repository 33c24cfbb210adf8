/**
 * Contact import: CSV (streamed) or JSON, up to 100,000 rows. Every row is validated and
 * normalised first; then either everything is written in one transaction (default) or, with
 * mode=partial, the valid rows are written and the rest reported. Never silently half-written.
 * With ?campaignId (or a campaignId column) the written rows are then enrolled into their campaign
 * by a workflow (`import:<id>`), whose progress GET /v1/imports/{id} shows. A row naming an unknown
 * or cancelled campaign is a rejected row like any other.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { CountryCode } from 'libphonenumber-js';
import { audit } from '../../db/queries/audit';
import { and, eq } from 'drizzle-orm';
import { activeStrategy } from '../../db/queries/campaigns';
import { upsertContactsBatch } from '../../db/queries/import';
import { imports } from '../../db/schema';
import { enrolImport } from '../../workflows/bulk';
import { importWorkflowId } from '../../workflows/constants';
import { isValidTimeZone } from '../../domain/local-time';
import { requireRole } from '../auth';
import type { AppEnv } from '../context';
import { CsvError, readCsv, textChunks } from '../csv';
import { ApiError, ErrorCode, problem, problemResponse, problemSchema } from '../errors';
import { normalizePhone, zoneForCountry } from '../../domain/phone';

export const IMPORT_MAX_ROWS = 100_000;
export const IMPORT_MAX_BYTES = 32 * 1024 * 1024;
const BATCH = 1000;
const REPORTED_ROWS = 1000;
const industries = ['education', 'finance', 'ecommerce', 'local-services', 'other'];
const columns = ['phone', 'name', 'timeZone', 'tags', 'industry', 'externalId', 'campaignId'] as const;

interface RawRow {
  row: number;
  phone?: unknown;
  name?: unknown;
  timeZone?: unknown;
  tags?: unknown;
  industry?: unknown;
  externalId?: unknown;
  campaignId?: unknown;
}

const rowIssue = z.object({ row: z.number().int(), phone: z.string().nullable(), reason: z.string() });
const reportSchema = z
  .object({
    mode: z.enum(['all-or-nothing', 'partial']),
    written: z.boolean().describe('false: nothing was written (all-or-nothing with rejected rows)'),
    rows: z.number().int(),
    valid: z.number().int(),
    created: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    invalid: z.number().int(),
    duplicates: z.number().int().describe('rows repeating an earlier row of the same file (same normalised phone)'),
    rejected: z.array(rowIssue).describe(`invalid and duplicate rows, the first ${REPORTED_ROWS}`),
    truncated: z.boolean(),
    importId: z.uuid().nullable().describe('The written import (null when nothing was written); its progress at GET /v1/imports/{id}'),
    enrolment: z
      .object({ campaignIds: z.array(z.string()), eventType: z.string(), workflowId: z.string(), toEnrol: z.number().int() })
      .nullable()
      .describe('With ?campaignId or a campaignId column: the enrolment of the valid rows, running in the background'),
  })
  .openapi('ImportReport');

export const importView = z
  .object({
    id: z.uuid(),
    createdBy: z.string(),
    createdAt: z.string(),
    mode: z.enum(['all-or-nothing', 'partial']),
    rows: z.number().int(),
    created: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    invalid: z.number().int(),
    duplicates: z.number().int(),
    campaignId: z.string().nullable(),
    eventType: z.string().nullable(),
    status: z.enum(['written', 'enrolling', 'done', 'failed']).describe('written: no enrolment was asked for'),
    toEnrol: z.number().int(),
    enrolled: z.number().int(),
    skipped: z.number().int().describe('rows not enrolled: opted out, invalid or deleted by then, or the campaign was cancelled'),
    progress: z.number().min(0).max(1),
    finishedAt: z.string().nullable(),
  })
  .openapi('Import');

const route = createRoute({
  method: 'post',
  path: '/v1/contacts/import',
  operationId: 'importContacts',
  tags: ['contacts'],
  summary: 'Import contacts from CSV (header: phone,name,timeZone,tags,industry,externalId) or JSON {rows:[…]}',
  middleware: [requireRole('operator')] as const,
  security: [{ bearer: [] }],
  request: {
    query: z.object({
      mode: z.enum(['all-or-nothing', 'partial']).default('all-or-nothing'),
      campaignId: z.string().min(1).max(100).optional().describe('Enrol every valid row into this campaign (a row’s campaignId column overrides it), in the background; see GET /v1/imports/{id}'),
      event: z
        .string()
        .regex(/^[a-z][a-z0-9_.-]{0,63}$/)
        .default('lead.created')
        .describe('The event type the enrolment delivers; it must start a follow-up in the campaign’s strategy'),
    }),
    body: {
      // not "required": with it the JSON validator would also run on CSV bodies (the handler checks presence)
      required: false,
      content: {
        'text/csv': { schema: z.string().openapi({ example: 'phone,name,timeZone,tags\n+8613800138000,Li Lei,Asia/Shanghai,high-value;vip' }) },
        'application/json': { schema: z.object({ rows: z.array(z.record(z.string(), z.unknown())).max(IMPORT_MAX_ROWS) }).openapi('ImportJson') },
      },
    },
  },
  responses: {
    200: { description: 'Imported (see the report for rejected rows)', content: { 'application/json': { schema: reportSchema } } },
    400: problemResponse('Malformed CSV or JSON'),
    401: problemResponse('Missing or invalid API key'),
    403: problemResponse('Role too low'),
    404: problemResponse('Unknown campaign'),
    409: problemResponse('The campaign is cancelled'),
    413: problemResponse('Too many rows or bytes'),
    415: problemResponse('Not CSV or JSON'),
    422: {
      description: 'All-or-nothing import with rejected rows: nothing was written (problem+json, the report in `report`)',
      content: { 'application/problem+json': { schema: problemSchema.extend({ report: reportSchema }) } },
    },
  },
});

async function* jsonRows(rows: unknown[]): AsyncGenerator<RawRow> {
  let i = 0;
  for (const r of rows) yield { ...(r && typeof r === 'object' ? (r as object) : {}), row: ++i };
}

async function* csvRows(stream: ReadableStream<Uint8Array> | null): AsyncGenerator<RawRow> {
  let header: string[] | null = null;
  for await (const { fields } of readCsv(textChunks(stream))) {
    if (!header) {
      header = fields.map((f) => f.trim());
      const unknown = header.filter((h) => !columns.includes(h as (typeof columns)[number]));
      if (!header.includes('phone')) throw new ApiError(400, ErrorCode.malformedBody, `The CSV header must name a "phone" column (columns: ${columns.join(', ')}).`);
      if (unknown.length) throw new ApiError(400, ErrorCode.malformedBody, `Unknown CSV column(s): ${unknown.join(', ')}. Known: ${columns.join(', ')}.`);
      continue;
    }
    const r: RawRow = { row: 0 };
    header.forEach((h, i) => ((r as unknown as Record<string, string | undefined>)[h] = fields[i]?.trim() || undefined));
    yield r;
  }
}

export const importRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
  route,
  async (c) => {
    const { db, tenant, defaultRegion, temporal, taskQueue } = c.var.deps;
    const { mode, campaignId, event } = c.req.valid('query');
    // a campaign a row may enrol into: exists, not cancelled, and the event starts a follow-up in it
    const campaigns = new Map<string, string | null>();
    const judge = async (id: string): Promise<string | null> => {
      const a = await activeStrategy(db, id);
      if (!a) return `no campaign "${id}"`;
      if (a.status === 'cancelled') return `campaign "${id}" is cancelled`;
      if (!a.strategy.triggers.includes(a.strategy.eventMap[event] ?? event))
        return `event "${event}" starts no follow-up in campaign "${id}" (its triggers: ${a.strategy.triggers.join(', ')}); pass ?event=<one of them>`;
      return null;
    };
    const campaignProblem = async (id: string): Promise<string | null> => {
      if (!campaigns.has(id)) campaigns.set(id, await judge(id));
      return campaigns.get(id)!;
    };
    // the import's own campaign is checked before the body is read: a wrong one costs nothing
    const importProblem = campaignId ? await campaignProblem(campaignId) : null;
    if (importProblem) {
      const status = importProblem.startsWith('no campaign') ? 404 : importProblem.includes('cancelled') ? 409 : 400;
      throw new ApiError(status, status === 404 ? ErrorCode.unknownCampaign : status === 409 ? ErrorCode.conflict : ErrorCode.validation, `${importProblem[0]!.toUpperCase()}${importProblem.slice(1)}.`);
    }
    const type = c.req.header('content-type') ?? '';
    let source: AsyncGenerator<RawRow>;
    if (/^text\/csv\b/i.test(type)) source = csvRows(c.req.raw.body);
    else if (/^application\/json\b/i.test(type)) {
      const body = c.req.valid('json') as { rows?: unknown[] } | undefined;
      if (!Array.isArray(body?.rows)) throw new ApiError(400, ErrorCode.malformedBody, 'Send {"rows": [{"phone": …}, …]}.');
      source = jsonRows(body.rows);
    } else throw new ApiError(415, ErrorCode.unsupportedMediaType, 'Send text/csv or application/json.');

    const seen = new Set<string>();
    const valid: Array<{ tenant: string; phone: string; timeZone: string; name: string | null; tags: string[]; industry: string | null; externalId: string | null; campaignId: string | null }> = [];
    const rejected: Array<z.infer<typeof rowIssue>> = [];
    let rows = 0;
    let invalid = 0;
    let duplicates = 0;
    const reject = (row: number, phone: string | null, reason: string) => {
      if (rejected.length < REPORTED_ROWS) rejected.push({ row, phone, reason });
    };
    const fallbackZone = zoneForCountry(defaultRegion, 'UTC');
    try {
      for await (const raw of source) {
        const row = ++rows;
        if (rows > IMPORT_MAX_ROWS) throw new ApiError(413, ErrorCode.bodyTooLarge, `An import holds at most ${IMPORT_MAX_ROWS} rows; split the file.`);
        const phoneIn = typeof raw.phone === 'string' || typeof raw.phone === 'number' ? String(raw.phone) : '';
        const n = phoneIn ? normalizePhone(phoneIn, defaultRegion as CountryCode) : ({ ok: false, reason: 'phone is missing' } as const);
        const tz = raw.timeZone === undefined || raw.timeZone === null || raw.timeZone === '' ? undefined : String(raw.timeZone);
        const industry = raw.industry === undefined || raw.industry === null || raw.industry === '' ? null : String(raw.industry);
        const rowCampaign = raw.campaignId === undefined || raw.campaignId === null || raw.campaignId === '' ? (campaignId ?? null) : String(raw.campaignId);
        const problemText = !n.ok
          ? n.reason
          : tz && !isValidTimeZone(tz)
            ? `timeZone "${tz}" is not an IANA time zone`
            : industry && !industries.includes(industry)
              ? `industry must be one of ${industries.join(', ')}`
              : rowCampaign
                ? await campaignProblem(rowCampaign)
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
          name: raw.name === undefined || raw.name === null || raw.name === '' ? null : String(raw.name).slice(0, 200),
          tags: [...new Set(tags)].slice(0, 50),
          industry,
          externalId: raw.externalId === undefined || raw.externalId === null || raw.externalId === '' ? null : String(raw.externalId).slice(0, 200),
          campaignId: rowCampaign,
        });
      }
    } catch (err) {
      if (err instanceof CsvError) throw new ApiError(400, ErrorCode.malformedBody, `Malformed CSV: ${err.message}.`);
      if (err instanceof TypeError && /decode|encoding/i.test(err.message)) throw new ApiError(400, ErrorCode.malformedBody, 'The CSV is not valid UTF-8.');
      throw err;
    }
    if (rows === 0) throw new ApiError(400, ErrorCode.malformedBody, 'The import has no rows.');

    const report = { mode, rows, valid: valid.length, invalid, duplicates, rejected, truncated: invalid + duplicates > rejected.length, created: 0, updated: 0, unchanged: 0, written: false, importId: null, enrolment: null };
    if (mode === 'all-or-nothing' && invalid + duplicates > 0) {
      const detail = `${invalid} invalid and ${duplicates} duplicate row(s); nothing was written. Fix them, or send ?mode=partial to import the ${valid.length} valid row(s).`;
      return problem(c, 422, ErrorCode.importRejected, detail, undefined, { report }) as never;
    }
    const toEnrol = valid.filter((v) => v.campaignId).length;
    const enrol = toEnrol > 0;
    // contacts, the import's record and its row list commit together, or not at all
    const imp = await db.transaction(async (tx) => {
      const [imp] = await tx
        .insert(imports)
        .values({ tenant, createdBy: c.var.principal.keyId, mode, rows, created: 0, updated: 0, unchanged: 0, invalid, duplicates, campaignId: campaignId ?? null, eventType: enrol ? event : null, status: enrol ? 'enrolling' : 'written', toEnrol })
        .returning();
      let created = 0;
      let updated = 0;
      for (let i = 0; i < valid.length; i += BATCH) {
        const r = await upsertContactsBatch(tx, valid.slice(i, i + BATCH), imp!.id);
        created += r.created;
        updated += r.updated;
      }
      const [row] = await tx.update(imports).set({ created, updated, unchanged: valid.length - created - updated }).where(eq(imports.id, imp!.id)).returning();
      return row!;
    });
    const workflowId = importWorkflowId(imp.id);
    if (enrol) await temporal.workflow.start(enrolImport, { workflowId, taskQueue, args: [{ importId: imp.id }] });
    await audit(db, { actor: c.var.principal.keyId, action: 'contacts.import', target: imp.id, after: { mode, rows, created: imp.created, updated: imp.updated, invalid, duplicates, campaignId: imp.campaignId } });
    c.header('Location', `/v1/imports/${imp.id}`);
    return c.json(
      {
        ...report,
        created: imp.created,
        updated: imp.updated,
        unchanged: imp.unchanged,
        written: true,
        importId: imp.id,
        enrolment: enrol ? { campaignIds: [...new Set(valid.map((v) => v.campaignId).filter((x): x is string => !!x))], eventType: event, workflowId, toEnrol } : null,
      },
      200,
    );
  },
)
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/imports/{id}',
      operationId: 'getImport',
      tags: ['contacts'],
      summary: 'An import and the progress of its enrolment',
      middleware: [requireRole('viewer')] as const,
      security: [{ bearer: [] }],
      request: { params: z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) }) },
      responses: {
        200: { description: 'The import', content: { 'application/json': { schema: importView } } },
        400: problemResponse('Invalid id'),
        401: problemResponse('Missing or invalid API key'),
        403: problemResponse('Role too low'),
        404: problemResponse('No such import'),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const [imp] = await c.var.deps.db.select().from(imports).where(and(eq(imports.id, id), eq(imports.tenant, c.var.deps.tenant)));
      if (!imp) throw new ApiError(404, ErrorCode.notFound, `No import ${id}.`);
      const done = imp.enrolled + imp.skipped;
      return c.json(
        {
          id: imp.id,
          createdBy: imp.createdBy,
          createdAt: imp.createdAt.toISOString(),
          mode: imp.mode as 'all-or-nothing' | 'partial',
          rows: imp.rows,
          created: imp.created,
          updated: imp.updated,
          unchanged: imp.unchanged,
          invalid: imp.invalid,
          duplicates: imp.duplicates,
          campaignId: imp.campaignId,
          eventType: imp.eventType,
          status: imp.status as 'written' | 'enrolling' | 'done' | 'failed',
          toEnrol: imp.toEnrol,
          enrolled: imp.enrolled,
          skipped: imp.skipped,
          progress: imp.status === 'enrolling' ? Math.min(1, imp.toEnrol ? done / imp.toEnrol : 1) : 1,
          finishedAt: imp.finishedAt?.toISOString() ?? null,
        },
        200,
      );
    },
  );
