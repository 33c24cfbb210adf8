/** The strategy dry run (services/dry-run.ts): a candidate strategy replayed over the campaign's recent history. */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { dryRunStrategy } from '../../services/dry-run';
import type { AppEnv } from '../context';
import { problemResponse } from '../errors';
import { apiRoute, jsonBody, jsonResponse } from './define';

const counts = z.object({ calls: z.number().int(), sms: z.number().int() });
const result = z
  .object({
    contacts: z.number().int(),
    events: z.number().int(),
    calls: z.number().int(),
    sms: z.number().int(),
    perDay: z.array(counts.extend({ day: z.string().describe('the contact’s local calendar day (the daily cap’s day)') })),
    perHour: z.array(counts.extend({ hour: z.string().describe('UTC hour start') })),
    refusals: z.record(z.string(), z.number().int()).describe('What the gate would refuse, by reason'),
    deferrals: z.record(z.string(), z.number().int()).describe('Attempts pushed later, by the first rule that did'),
    missedDeadlines: z.object({
      count: z.number().int(),
      sample: z.array(
        z.object({ contactId: z.uuid(), trigger: z.string(), deadlineAt: z.string(), expectedAt: z.string().nullable(), reason: z.string(), action: z.enum(['called-late', 'handed-off']) }),
      ),
    }),
    peakCps: z.record(z.string(), z.object({ cps: z.number().int(), at: z.string() })).describe('Per line tier: calls starting in the busiest second'),
    stillActive: z.number().int().describe('Contacts with a follow-up still going at the end of the period'),
  })
  .openapi('DryRunResult');

const report = z
  .object({
    campaignId: z.string(),
    from: z.string(),
    to: z.string(),
    activeVersion: z.number().int(),
    candidate: result,
    active: result,
    difference: z.object({
      calls: z.number().int(),
      sms: z.number().int(),
      missedDeadlines: z.number().int(),
      perDay: z.array(counts.extend({ day: z.string() })),
      refusals: z.record(z.string(), z.number().int()),
      peakCps: z.record(z.string(), z.number().int()),
    }),
    elapsedMs: z.number().int(),
  })
  .openapi('DryRunReport');

export const dryRunRoutes = new OpenAPIHono<AppEnv>().openapi(
  apiRoute('campaigns', 'operator', {
    method: 'post',
    path: '/v1/campaigns/{id}/strategy/dry-run',
    operationId: 'dryRunStrategy',
    summary:
      'Replay the campaign’s last N days (events, contact profiles, how its calls ended, opt-outs) under a candidate strategy with the workflows’ own rules, beside the active strategy: calls and SMS per day and hour, refusals by reason, missed first-contact deadlines, peak CPS per line tier, and the difference. Nothing is written.',
    request: {
      params: z.object({ id: z.string().min(1).max(100).openapi({ param: { name: 'id', in: 'path' } }) }),
      body: jsonBody(
        z
          .strictObject({
            strategy: z.record(z.string(), z.unknown()).describe('The candidate strategy (omitted fields take their defaults)'),
            days: z.number().int().min(1).max(90).default(7).describe('How many days back to replay'),
          })
          .openapi('DryRunRequest'),
      ),
    },
    responses: { 200: jsonResponse('What the candidate and the active strategy would have done', report), 404: problemResponse('No such campaign') },
  }),
  async (c) => {
    const b = c.req.valid('json');
    return c.json(await dryRunStrategy(c.var.deps, { campaignId: c.req.valid('param').id, strategy: b.strategy, days: b.days }), 200);
  },
);
