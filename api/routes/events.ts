import { OpenAPIHono, z } from '@hono/zod-openapi';
import { isValidTimeZone } from '../../domain/local-time';
import { EVENT_TYPE, EVENT_TYPE_HINT, INBOX_STATES, INDUSTRIES } from '../../domain/vocabulary';
import { eventStatus, ingestEvent } from '../../services/events';
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

const acceptedFields = {
  workflowId: z.string(),
  contactId: z.uuid(),
  eventId: z.string(),
  campaignId: z.string(),
  strategyVersion: z.number().int(),
  state: z.enum(INBOX_STATES).describe('queued: in the inbox, on its way to the cadence; delivered: the cadence has it; failed: refused for good (see lastError)'),
};

const accepted = z.object(acceptedFields).openapi('EventAccepted');

const eventView = z
  .object({
    ...acceptedFields,
    type: z.string(),
    occurredAt: z.string(),
    attempts: z.number().int().describe('delivery attempts so far'),
    lastError: z.string().nullable().describe('why the last delivery attempt failed (phone numbers masked)'),
    createdAt: z.string(),
    deliveredAt: z.string().nullable(),
    nextAttemptAt: z.string().nullable().describe('when a queued event is tried next'),
    lastAttemptAt: z.string().nullable(),
  })
  .openapi('EventStatus');

const idParam = z.object({ id: z.string().min(1).max(200).openapi({ param: { name: 'id', in: 'path' }, description: 'The event id (the idempotency key, or the eventId answered by POST)' }) });

export const eventsRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    apiRoute('events', 'operator', {
      method: 'post',
      path: '/v1/events',
      operationId: 'postEvent',
      summary: 'Deliver a business event (CRM sync): upserts the contact and queues the event for its cadence, durably (open during a lockdown: no customer event is lost)',
      request: { body: jsonBody(eventBody) },
      responses: {
        202: jsonResponse('Accepted: stored, and delivered to the cadence as soon as Temporal takes it (GET /v1/events/{id} follows it)', accepted),
        400: problemResponse('Invalid event'),
        404: problemResponse('Unknown campaign or contact'),
        409: problemResponse('The campaign is cancelled'),
        422: problemResponse('Invalid phone number'),
      },
    }, { lockdown: 'open' }),
    async (c) => c.json(await ingestEvent(c.var.deps, c.req.valid('json')), 202),
  )
  .openapi(
    apiRoute('events', 'viewer', {
      method: 'get',
      path: '/v1/events/{id}',
      operationId: 'getEvent',
      summary: 'Where an accepted event is: queued (with its last delivery error), delivered to its cadence, or failed',
      request: { params: idParam },
      responses: {
        200: jsonResponse('The event', eventView),
        404: problemResponse('No event with this id'),
      },
    }, { lockdown: 'open' }),
    async (c) => c.json(await eventStatus(c.var.deps, c.req.valid('param').id), 200),
  );
