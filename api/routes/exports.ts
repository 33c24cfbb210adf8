/** CSV export of attempts (admin). Streamed in pages, every cell formula-safe (api/csv.ts csvCell). */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { stream } from 'hono/streaming';
import { ServiceError, ServiceErrorCode } from '../../services/errors';
import { exportAttempts } from '../../services/exports';
import type { AppEnv } from '../context';
import { csvCell } from '../csv';
import { problemResponse } from '../errors';
import { apiRoute } from './define';

const header = ['attempt_id', 'reserved_at', 'campaign_id', 'phone', 'contact_name', 'channel', 'line_id', 'call_sid', 'status', 'outcome', 'answered_by', 'duration_sec', 'sip_code', 'strategy_version', 'local_day'];

const route = apiRoute('reports', 'admin', {
  method: 'get',
  path: '/v1/exports/attempts.csv',
  operationId: 'exportAttempts',
  summary: 'Every attempt as CSV (admin), formula-safe; closed during a lockdown; recorded in the access log',
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
    423: problemResponse('A lockdown is in force: exports are closed until its release'),
  },
});

export const exportsRoutes = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
  const rows = await exportAttempts(c.var.deps, { actor: c.var.principal.keyId, filter: c.req.valid('query') });
  c.header('content-type', 'text/csv; charset=utf-8');
  c.header('content-disposition', 'attachment; filename="attempts.csv"');
  return stream(c, async (out) => {
    await out.write(`${header.join(',')}\r\n`);
    for await (const { a, phone, name } of rows) {
      const cells = [a.id, a.reservedAt, a.campaignId, phone, name, a.channel, a.lineId, a.providerSid, a.status, a.outcome, a.answeredBy, a.durationSec, a.sipResponseCode, a.strategyVersion, a.localDay];
      await out.write(`${cells.map(csvCell).join(',')}\r\n`);
    }
    // a lockdown engaged meanwhile ends the file where it stands (the access log has what was sent)
  }, async (err) => {
    if (!(err instanceof ServiceError && err.code === ServiceErrorCode.lockdown)) c.var.deps.log('export stopped', err);
  }) as never;
});
