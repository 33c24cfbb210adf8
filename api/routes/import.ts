/**
 * Contact import: CSV (streamed) or JSON, up to 100,000 rows. Every row is validated and
 * normalised first; then either everything is written in one transaction (default) or, with
 * mode=partial, the valid rows are written and the rest reported. Never silently half-written.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { CountryCode } from 'libphonenumber-js';
import { audit } from '../../db/queries/audit';
import { upsertContactsBatch } from '../../db/queries/import';
import { isValidTimeZone } from '../../workflows/policy/local-time';
import { requireRole } from '../auth';
import type { AppEnv } from '../context';
import { CsvError, readCsv, textChunks } from '../csv';
import { ApiError, ErrorCode, problem, problemResponse, problemSchema } from '../errors';
import { normalizePhone, zoneForCountry } from '../phone';

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
  })
  .openapi('ImportReport');

const route = createRoute({
  method: 'post',
  path: '/v1/contacts/import',
  operationId: 'importContacts',
  tags: ['contacts'],
  summary: 'Import contacts from CSV (header: phone,name,timeZone,tags,industry,externalId) or JSON {rows:[…]}',
  middleware: [requireRole('operator')] as const,
  security: [{ bearer: [] }],
  request: {
    query: z.object({ mode: z.enum(['all-or-nothing', 'partial']).default('all-or-nothing') }),
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

export const importRoutes = new OpenAPIHono<AppEnv>().openapi(
  route,
  async (c) => {
    const { db, tenant, defaultRegion } = c.var.deps;
    const { mode } = c.req.valid('query');
    const type = c.req.header('content-type') ?? '';
    let source: AsyncGenerator<RawRow>;
    if (/^text\/csv\b/i.test(type)) source = csvRows(c.req.raw.body);
    else if (/^application\/json\b/i.test(type)) {
      const body = c.req.valid('json') as { rows?: unknown[] } | undefined;
      if (!Array.isArray(body?.rows)) throw new ApiError(400, ErrorCode.malformedBody, 'Send {"rows": [{"phone": …}, …]}.');
      source = jsonRows(body.rows);
    } else throw new ApiError(415, ErrorCode.unsupportedMediaType, 'Send text/csv or application/json.');

    const seen = new Set<string>();
    const valid: Array<{ tenant: string; phone: string; timeZone: string; name: string | null; tags: string[]; industry: string | null; externalId: string | null }> = [];
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
        const problemText = !n.ok ? n.reason : tz && !isValidTimeZone(tz) ? `timeZone "${tz}" is not an IANA time zone` : industry && !industries.includes(industry) ? `industry must be one of ${industries.join(', ')}` : null;
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
        });
      }
    } catch (err) {
      if (err instanceof CsvError) throw new ApiError(400, ErrorCode.malformedBody, `Malformed CSV: ${err.message}.`);
      if (err instanceof TypeError && /decode|encoding/i.test(err.message)) throw new ApiError(400, ErrorCode.malformedBody, 'The CSV is not valid UTF-8.');
      throw err;
    }
    if (rows === 0) throw new ApiError(400, ErrorCode.malformedBody, 'The import has no rows.');

    const report = { mode, rows, valid: valid.length, invalid, duplicates, rejected, truncated: invalid + duplicates > rejected.length, created: 0, updated: 0, unchanged: 0, written: false };
    if (mode === 'all-or-nothing' && invalid + duplicates > 0) {
      const detail = `${invalid} invalid and ${duplicates} duplicate row(s); nothing was written. Fix them, or send ?mode=partial to import the ${valid.length} valid row(s).`;
      return problem(c, 422, ErrorCode.importRejected, detail, undefined, { report }) as never;
    }
    const { created, updated } = await db.transaction(async (tx) => {
      let created = 0;
      let updated = 0;
      for (let i = 0; i < valid.length; i += BATCH) {
        const r = await upsertContactsBatch(tx, valid.slice(i, i + BATCH));
        created += r.created;
        updated += r.updated;
      }
      return { created, updated };
    });
    await audit(db, { actor: c.var.principal.keyId, action: 'contacts.import', after: { mode, rows, created, updated, invalid, duplicates } });
    return c.json({ ...report, created, updated, unchanged: valid.length - created - updated, written: true }, 200);
  },
);
