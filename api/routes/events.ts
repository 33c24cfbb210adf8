import { OpenAPIHono, z } from '@hono/zod-openapi';
import { isValidTimeZone } from '../../domain/local-time';
import { EVENT_TYPE, EVENT_TYPE_HINT, INDUSTRIES } from '../../domain/vocabulary';
import { ingestEvent } from '../../services/events';
import type { AppEnv } from '../context';
import { problemResponse } from '../errors';
import { apiRoute, jsonBody, jsonResponse } from './define';

const contactProfileSchema = z.strictObject({
  name: z.string().max(200).nullable().optional(),
  timeZone: z
    .string()
    .refine(isValidTimeZone, 'not an IANA time zone (e.g. "Asia/Shanghai")')
    .optional()
    .openapi({ example: 'Asia/Shanghai' }),
  tags: z.array(z.string().min(1).max(64)).max(50).optional(),
  industry: z.enum(INDUSTRIES).nullable().optional(),
});

const eventBody = z
  .strictObject({
    id: z.string().min(1).max(200).optional().describe('Idempotency key: the same id is applied once. Derived from the content when absent.'),
    type: z
      .string()
      .regex(EVENT_TYPE, EVENT_TYPE_HINT)
      .openapi({ example: 'lead.created' }),
    phone: z.string().min(3).max(40).optional().openapi({ example: '+8613800138000' }),
    externalId: z.string().min(1).max(200).optional(),
    campaignId: z.string().min(1).max(100).optional(),
    occurredAt: z.iso.datetime({ offset: true }).optional(),
    contact: contactProfileSchema.optional(),
    data: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((b) => b.phone || b.externalId, { message: 'give phone or externalId', path: ['phone'] })
  .openapi('Event');

const accepted = z
  .object({ workflowId: z.string(), contactId: z.uuid(), eventId: z.string(), campaignId: z.string(), strategyVersion: z.number().int() })
  .openapi('EventAccepted');

export const eventsRoutes = new OpenAPIHono<AppEnv>().openapi(
  apiRoute('events', 'operator', {
    method: 'post',
    path: '/v1/events',
    operationId: 'postEvent',
    summary: 'Deliver a business event (CRM sync): upserts the contact and starts or signals its cadence',
    request: { body: jsonBody(eventBody) },
    responses: {
      202: jsonResponse('Accepted: the cadence has the event', accepted),
      400: problemResponse('Invalid event'),
      404: problemResponse('Unknown campaign or contact'),
      409: problemResponse('The campaign is cancelled'),
      503: problemResponse('The cadence could not be reached; retry with the same id'),
      422: problemResponse('Invalid phone number'),
    },
  }),
  async (c) => c.json(await ingestEvent(c.var.deps, c.req.valid('json')), 202),
);
