import { OpenAPIHono, z } from '@hono/zod-openapi';
import { summary } from '../../db/queries/reports';
import { isSynthetic } from '../../domain/maintenance';
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
    synthetic: z.boolean().describe("true: Redial's own test traffic (the daily self-check, the monthly stress test) alone; false: real traffic, without it"),
    ...metrics,
    refusedByReason: z.record(z.string(), n).describe('reservations the compliance gate refused, by reason'),
    deadlinesMissed: z
      .object({
        total: n.describe('follow-ups whose first contact could not happen before its trigger deadline'),
        handedOff: n.describe('of which given up and handed to a person (GET /v1/handoffs)'),
        byReason: z.record(z.string(), n).describe('quiet-hours, daily-cap, blocked-window, holiday, grace-period, interface-hold, lockdown, backlog, …'),
      })
      .describe('first-contact deadlines missed (recorded when the miss became certain)'),
    byLine: z.array(z.object({ lineId: z.string().nullable(), ...metrics })),
    byDay: z.array(z.object({ day: z.string().describe("the contact's local day"), ...metrics })),
  })
  .openapi('SummaryReport');

const route = apiRoute('reports', 'viewer', {
  method: 'get',
  path: '/v1/reports/summary',
  operationId: 'getSummaryReport',
  summary: 'Calling metrics per campaign, line and day, and refused attempts by reason (live: SQL over attempts); real traffic unless synthetic=true',
  request: {
    query: z.object({
      campaignId: z.string().min(1).max(100).optional(),
      synthetic: z
        .enum(['true', 'false'])
        .optional()
        .describe("true: only Redial's own test traffic (campaigns __selfcheck and __stress), which every other figure leaves out; default false, or true when campaignId names one of them"),
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
  // asking for the self-check or stress campaign by name asks for synthetic traffic
  const synthetic = q.synthetic === undefined ? isSynthetic(q.campaignId ?? '') : q.synthetic === 'true';
  const r = await summary(c.var.deps.db, { from, to, campaignId: q.campaignId, synthetic });
  return c.json({ from: from.toISOString(), to: to.toISOString(), campaignId: q.campaignId ?? null, synthetic, ...r }, 200);
});
