import { OpenAPIHono, z } from '@hono/zod-openapi';
import { summary, type Metrics } from '../../db/queries/reports';
import { isSynthetic } from '../../domain/maintenance';
import type { AppEnv } from '../context';
import { csvTable } from '../csv';
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
  talkTimeSec: z.number().describe('seconds talked on calls answered by a person (the carrier\'s CallDuration)'),
  smsSent: n.describe('texts the carrier accepted'),
  dialSuccessRate: rate.describe('delivered ÷ attempted'),
  answerRate: rate.describe('answered ÷ delivered'),
  conversionRate: rate.describe('converted ÷ answered'),
  lineFailureRate: rate.describe('carrier failures ÷ placed'),
  lineConnectRate: rate.describe('delivered ÷ (placed − invalid)'),
  complaintRate: rate.describe('opted out during the call ÷ answered'),
  avgTalkTimeSec: z.number().nullable().describe('talkTimeSec ÷ answered'),
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
    byCampaign: z.array(z.object({ campaignId: z.string(), ...metrics })),
    byCampaignDay: z.array(z.object({ campaignId: z.string(), day: z.string().describe("the contact's local day"), ...metrics })),
    byLineOverTime: z
      .object({
        bucket: z.enum(['hour', 'day']).describe('hourly for a window of up to two days, else daily (UTC)'),
        points: z.array(z.object({ lineId: z.string().nullable(), at: z.string().describe('start of the bucket (UTC)'), ...metrics })),
      })
      .describe('each line\'s connect rate and failures over time'),
  })
  .openapi('SummaryReport');

const reportQuery = z.object({
  campaignId: z.string().min(1).max(100).optional(),
  synthetic: z
    .enum(['true', 'false'])
    .optional()
    .describe("true: only Redial's own test traffic (campaigns __selfcheck and __stress), which every other figure leaves out; default false, or true when campaignId names one of them"),
  from: z.iso.datetime({ offset: true }).optional().describe('inclusive; default 24 h before `to`'),
  to: z.iso.datetime({ offset: true }).optional().describe('exclusive; default now'),
});

const route = apiRoute('reports', 'viewer', {
  method: 'get',
  path: '/v1/reports/summary',
  operationId: 'getSummaryReport',
  summary: 'Calling metrics per campaign, campaign and day, line, line over time and day, and refused attempts by reason (live: SQL over attempts); real traffic unless synthetic=true',
  request: { query: reportQuery },
  responses: {
    200: jsonResponse('The report', reportSchema),
    400: problemResponse('Invalid query'),
  },
});

type Report = Awaited<ReturnType<typeof summary>>;

/** The figures of every CSV table, raw (rates as fractions, talk time in seconds). */
const metricColumns: Array<[string, (r: Metrics) => unknown]> = [
  ['attempts', (r) => r.attempted],
  ['placed', (r) => r.placed],
  ['delivered', (r) => r.delivered],
  ['answered', (r) => r.answered],
  ['converted', (r) => r.converted],
  ['opted_out', (r) => r.optedOut],
  ['invalid', (r) => r.invalid],
  ['carrier_failures', (r) => r.carrierFailures],
  ['sms_sent', (r) => r.smsSent],
  ['talk_time_sec', (r) => r.talkTimeSec],
  ['avg_talk_time_sec', (r) => r.avgTalkTimeSec],
  ['connect_rate', (r) => r.lineConnectRate],
  ['conversion_rate', (r) => r.conversionRate],
  ['complaint_rate', (r) => r.complaintRate],
  ['failure_rate', (r) => r.lineFailureRate],
];

/** The report's tables as the page shows them, each downloadable as CSV. */
const csvTables = {
  'campaign-days': (r: Report) => ({ keys: ['campaign_id', 'day'], rows: r.byCampaignDay.map((x) => ({ key: [x.campaignId, x.day], row: x })) }),
  campaigns: (r: Report) => ({ keys: ['campaign_id'], rows: r.byCampaign.map((x) => ({ key: [x.campaignId], row: x })) }),
  lines: (r: Report) => ({ keys: ['line_id'], rows: r.byLine.map((x) => ({ key: [x.lineId], row: x })) }),
  'line-series': (r: Report) => ({ keys: ['line_id', 'from_utc'], rows: r.byLineOverTime.points.map((x) => ({ key: [x.lineId, x.at], row: x })) }),
  days: (r: Report) => ({ keys: ['day'], rows: r.byDay.map((x) => ({ key: [x.day], row: x })) }),
};
const TABLES = Object.keys(csvTables) as Array<keyof typeof csvTables>;

const csvRoute = apiRoute('reports', 'viewer', {
  method: 'get',
  path: '/v1/reports/summary.csv',
  operationId: 'getSummaryReportCsv',
  summary: 'One table of the report as CSV (formula-safe): per campaign and day, per campaign, per line, per line over time, or per day',
  request: { query: reportQuery.extend({ table: z.enum(TABLES as [keyof typeof csvTables, ...Array<keyof typeof csvTables>]).describe('which table') }) },
  responses: {
    200: { description: 'CSV', content: { 'text/csv': { schema: z.string() } } },
    400: problemResponse('Invalid query'),
  },
});

/** The report the query asks for (the window defaults to the last 24 h). */
async function reportOf(db: Parameters<typeof summary>[0], q: z.infer<typeof reportQuery>) {
  const to = q.to ? new Date(q.to) : new Date();
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - 86_400_000);
  if (from >= to) throw new ApiError(400, ErrorCode.validation, '`from` must be before `to`.');
  // asking for the self-check or stress campaign by name asks for synthetic traffic
  const synthetic = q.synthetic === undefined ? isSynthetic(q.campaignId ?? '') : q.synthetic === 'true';
  const r = await summary(db, { from, to, campaignId: q.campaignId, synthetic });
  return { from: from.toISOString(), to: to.toISOString(), campaignId: q.campaignId ?? null, synthetic, ...r };
}

export const reportsRoutes = new OpenAPIHono<AppEnv>()
  .openapi(route, async (c) => c.json(await reportOf(c.var.deps.db, c.req.valid('query')), 200))
  .openapi(csvRoute, async (c) => {
    const q = c.req.valid('query');
    const t = csvTables[q.table](await reportOf(c.var.deps.db, q));
    const body = csvTable([...t.keys, ...metricColumns.map(([name]) => name)], t.rows.map(({ key, row }) => [...key, ...metricColumns.map(([, value]) => value(row))]));
    return c.body(body, 200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="redial-${q.table}.csv"` });
  });
