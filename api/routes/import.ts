/**
 * Contact import over HTTP: CSV (streamed) or JSON, up to 100,000 rows. The route reads the body
 * (format, size limits, the report's schema); services/imports.ts validates, writes and enrols.
 * With ?campaignId (or a campaignId column) the written rows are then enrolled into their campaign
 * by a workflow (`import:<id>`), whose progress GET /v1/imports/{id} shows.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { EVENT_TYPE } from '../../domain/vocabulary';
import { IMPORT_FIELDS, IMPORT_MODES, IMPORT_REPORTED_ROWS, importContacts, importProgress, type ImportRow } from '../../services/imports';
import type { AppEnv } from '../context';
import { CsvError, readCsv, textChunks } from '../csv';
import { ApiError, ErrorCode, problem, problemResponse, problemSchema } from '../errors';
import { apiRoute, jsonResponse } from './define';

export const IMPORT_MAX_ROWS = 100_000;
export const IMPORT_MAX_BYTES = 32 * 1024 * 1024;

const rowIssue = z.object({ row: z.number().int(), phone: z.string().nullable(), reason: z.string() });
const reportSchema = z
  .object({
    mode: z.enum(IMPORT_MODES),
    written: z.boolean().describe('false: nothing was written (all-or-nothing with rejected rows)'),
    rows: z.number().int(),
    valid: z.number().int(),
    created: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    invalid: z.number().int(),
    duplicates: z.number().int().describe('rows repeating an earlier row of the same file (same normalised phone)'),
    rejected: z.array(rowIssue).describe(`invalid and duplicate rows, the first ${IMPORT_REPORTED_ROWS}`),
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
    mode: z.enum(IMPORT_MODES),
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

const route = apiRoute('contacts', 'operator', {
  method: 'post',
  path: '/v1/contacts/import',
  operationId: 'importContacts',
  summary: 'Import contacts from CSV (header: phone,name,timeZone,tags,industry,externalId) or JSON {rows:[…]}',
  request: {
    query: z.object({
      mode: z.enum(IMPORT_MODES).default('all-or-nothing'),
      campaignId: z.string().min(1).max(100).optional().describe('Enrol every valid row into this campaign (a row’s campaignId column overrides it), in the background; see GET /v1/imports/{id}'),
      event: z
        .string()
        .regex(EVENT_TYPE)
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
    200: jsonResponse('Imported (see the report for rejected rows)', reportSchema),
    400: problemResponse('Malformed CSV or JSON'),
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

async function* jsonRows(rows: unknown[]): AsyncGenerator<ImportRow> {
  for (const r of rows) yield r && typeof r === 'object' ? (r as ImportRow) : {};
}

async function* csvRows(stream: ReadableStream<Uint8Array> | null): AsyncGenerator<ImportRow> {
  const columns: readonly string[] = IMPORT_FIELDS;
  let header: string[] | null = null;
  for await (const { fields } of readCsv(textChunks(stream))) {
    if (!header) {
      header = fields.map((f) => f.trim());
      const unknown = header.filter((h) => !columns.includes(h));
      if (!header.includes('phone')) throw new ApiError(400, ErrorCode.malformedBody, `The CSV header must name a "phone" column (columns: ${columns.join(', ')}).`);
      if (unknown.length) throw new ApiError(400, ErrorCode.malformedBody, `Unknown CSV column(s): ${unknown.join(', ')}. Known: ${columns.join(', ')}.`);
      continue;
    }
    const r: Record<string, string | undefined> = {};
    header.forEach((h, i) => (r[h] = fields[i]?.trim() || undefined));
    yield r;
  }
}

/**
 * The body's rows, with the format's limits and errors as problems. A generator: nothing is read
 * (and no content type judged) until the service asks for the first row, after it has checked the
 * import's campaign.
 */
async function* bodyRows(c: Context<AppEnv>, json: () => { rows?: unknown[] } | undefined): AsyncGenerator<ImportRow> {
  const type = c.req.header('content-type') ?? '';
  let source: AsyncGenerator<ImportRow>;
  if (/^text\/csv\b/i.test(type)) source = csvRows(c.req.raw.body);
  else if (/^application\/json\b/i.test(type)) {
    const body = json();
    if (!Array.isArray(body?.rows)) throw new ApiError(400, ErrorCode.malformedBody, 'Send {"rows": [{"phone": …}, …]}.');
    source = jsonRows(body.rows);
  } else throw new ApiError(415, ErrorCode.unsupportedMediaType, 'Send text/csv or application/json.');

  let rows = 0;
  try {
    for await (const row of source) {
      if (++rows > IMPORT_MAX_ROWS) throw new ApiError(413, ErrorCode.bodyTooLarge, `An import holds at most ${IMPORT_MAX_ROWS} rows; split the file.`);
      yield row;
    }
  } catch (err) {
    if (err instanceof CsvError) throw new ApiError(400, ErrorCode.malformedBody, `Malformed CSV: ${err.message}.`);
    if (err instanceof TypeError && /decode|encoding/i.test(err.message)) throw new ApiError(400, ErrorCode.malformedBody, 'The CSV is not valid UTF-8.');
    throw err;
  }
  if (rows === 0) throw new ApiError(400, ErrorCode.malformedBody, 'The import has no rows.');
}

export const importRoutes = new OpenAPIHono<AppEnv>()
  .openapi(route, async (c) => {
    const { mode, campaignId, event } = c.req.valid('query');
    const rows = bodyRows(c, () => c.req.valid('json') as { rows?: unknown[] } | undefined);
    const report = await importContacts(c.var.deps, { actor: c.var.principal.keyId, mode, campaignId, event, rows });
    if (!report.written) {
      const detail = `${report.invalid} invalid and ${report.duplicates} duplicate row(s); nothing was written. Fix them, or send ?mode=partial to import the ${report.valid} valid row(s).`;
      return problem(c, 422, ErrorCode.importRejected, detail, undefined, { report }) as never;
    }
    c.header('Location', `/v1/imports/${report.importId}`);
    return c.json(report, 200);
  })
  .openapi(
    apiRoute('contacts', 'viewer', {
      method: 'get',
      path: '/v1/imports/{id}',
      operationId: 'getImport',
      summary: 'An import and the progress of its enrolment',
      request: { params: z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) }) },
      responses: {
        200: jsonResponse('The import', importView),
        400: problemResponse('Invalid id'),
        404: problemResponse('No such import'),
      },
    }),
    async (c) => {
      const imp = await importProgress(c.var.deps, { id: c.req.valid('param').id });
      return c.json(
        {
          id: imp.id,
          createdBy: imp.createdBy,
          createdAt: imp.createdAt.toISOString(),
          mode: imp.mode,
          rows: imp.rows,
          created: imp.created,
          updated: imp.updated,
          unchanged: imp.unchanged,
          invalid: imp.invalid,
          duplicates: imp.duplicates,
          campaignId: imp.campaignId,
          eventType: imp.eventType,
          status: imp.status,
          toEnrol: imp.toEnrol,
          enrolled: imp.enrolled,
          skipped: imp.skipped,
          progress: imp.progress,
          finishedAt: imp.finishedAt?.toISOString() ?? null,
        },
        200,
      );
    },
  );
