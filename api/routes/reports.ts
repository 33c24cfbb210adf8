import { OpenAPIHono, z } from '@hono/zod-openapi';
import { summary } from '../../db/queries/reports';
import type { AppEnv } from '../context';
import { ApiError, ErrorCode, problemResponse } from '../errors';
import { apiRoute, jsonResponse } from './define';

const n = z.number().int();
const rate = z.number().nullable();
const metrics = {
  attempted: n.describe('reservations granted'),
  placed: n.describe('accepted by the carrier (or failed in the attempt to)'),
  delivered: n.describe('reached ringing: answered, busy or no-answer'),
  answered: n.describe('answered by a person'),
  converted: n,
  optedOut: n,
  invalid: n.describe('number does not exist'),
  carrierFailures: n,
  dialSuccessRate: rate.describe('delivered ÷ attempted'),
  answerRate: rate.describe('answered ÷ delivered'),
  conversionRate: rate.describe('converted ÷ answered'),
  lineFailureRate: rate.describe('carrier failures ÷ placed'),
  lineConnectRate: rate.describe('delivered ÷ (placed − invalid)'),
};
const reportSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    campaignId: z.string().nullable(),
    ...metrics,
    refusedByReason: z.record(z.string(), n).describe('reservations the compliance gate refused, by reason'),
    byLine: z.array(z.object({ lineId: z.string().nullable(), ...metrics })),
    byDay: z.array(z.object({ day: z.string().describe("the contact's local day"), ...metrics })),
  })
  .openapi('SummaryReport');

const route = apiRoute('reports', 'viewer', {
  method: 'get',
  path: '/v1/reports/summary',
  operationId: 'getSummaryReport',
  summary: 'Calling metrics per campaign, line and day, and refused attempts by reason (live: SQL over attempts)',
  request: {
    query: z.object({
      campaignId: z.string().min(1).max(100).optional(),
      from: z.iso.datetime({ offset: true }).optional().describe('inclusive; default 24 h before `to`'),
      to: z.iso.datetime({ offset: true }).optional().describe('exclusive; default now'),
    }),
  },
  responses: {
    200: jsonResponse('The report', reportSchema),
    400: problemResponse('Invalid query'),
  },
});

export const reportsRoutes = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
  const q = c.req.valid('query');
  const to = q.to ? new Date(q.to) : new Date();
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - 86_400_000);
  if (from >= to) throw new ApiError(400, ErrorCode.validation, '`from` must be before `to`.');
  const r = await summary(c.var.deps.db, { from, to, campaignId: q.campaignId });
  return c.json({ from: from.toISOString(), to: to.toISOString(), campaignId: q.campaignId ?? null, ...r }, 200);
});
