/**
 * CSV export of attempts (admin). Streamed in pages, and safe to open in a spreadsheet: a cell
 * that starts with = + - @ or a control character is prefixed with ' so it is never a formula.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { and, asc, eq, gt, gte, lt } from 'drizzle-orm';
import { stream } from 'hono/streaming';
import { audit } from '../../db/queries/audit';
import { attempts, contacts } from '../../db/schema';
import { requireRole } from '../auth';
import type { AppEnv } from '../context';
import { problemResponse } from '../errors';

export function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const header = ['attempt_id', 'reserved_at', 'campaign_id', 'phone', 'contact_name', 'channel', 'line_id', 'call_sid', 'status', 'outcome', 'answered_by', 'duration_sec', 'sip_code', 'strategy_version', 'local_day'];
const PAGE = 2000;

const route = createRoute({
  method: 'get',
  path: '/v1/exports/attempts.csv',
  operationId: 'exportAttempts',
  tags: ['reports'],
  summary: 'Every attempt as CSV (admin), formula-safe',
  middleware: [requireRole('admin')] as const,
  security: [{ bearer: [] }],
  request: {
    query: z.object({
      campaignId: z.string().min(1).max(100).optional(),
      from: z.iso.datetime({ offset: true }).optional(),
      to: z.iso.datetime({ offset: true }).optional(),
    }),
  },
  responses: {
    200: { description: 'CSV', content: { 'text/csv': { schema: z.string() } } },
    400: problemResponse('Invalid query'),
    401: problemResponse('Missing or invalid API key'),
    403: problemResponse('Role too low'),
  },
});

export const exportsRoutes = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
  const { db } = c.var.deps;
  const q = c.req.valid('query');
  await audit(db, { actor: c.var.principal.keyId, action: 'export.attempts', after: q });
  c.header('content-type', 'text/csv; charset=utf-8');
  c.header('content-disposition', 'attachment; filename="attempts.csv"');
  return stream(c, async (out) => {
    await out.write(`${header.join(',')}\r\n`);
    let after: string | null = null;
    for (;;) {
      // keyset pagination on the attempt id: constant memory however large the export
      const rows = await db
        .select({ a: attempts, phone: contacts.phone, name: contacts.name })
        .from(attempts)
        .innerJoin(contacts, eq(contacts.id, attempts.contactId))
        .where(
          and(
            after ? gt(attempts.id, after) : undefined,
            q.campaignId ? eq(attempts.campaignId, q.campaignId) : undefined,
            q.from ? gte(attempts.reservedAt, new Date(q.from)) : undefined,
            q.to ? lt(attempts.reservedAt, new Date(q.to)) : undefined,
          ),
        )
        .orderBy(asc(attempts.id))
        .limit(PAGE);
      for (const { a, phone, name } of rows) {
        const cells = [a.id, a.reservedAt, a.campaignId, phone, name, a.channel, a.lineId, a.providerSid, a.status, a.outcome, a.answeredBy, a.durationSec, a.sipResponseCode, a.strategyVersion, a.localDay];
        await out.write(`${cells.map(csvCell).join(',')}\r\n`);
      }
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1]!.a.id;
    }
  }) as never;
});
