import { createHash } from 'node:crypto';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { activeStrategy } from '../../db/queries/campaigns';
import { contactByExternalId, upsertContact } from '../../db/queries/contacts';
import { recordInterfaceError } from '../../db/queries/operations';
import { DEFAULT_CAMPAIGN } from '../../workflows/constants';
import { isValidTimeZone } from '../../workflows/policy/local-time';
import { requireRole } from '../auth';
import { deliverEvent } from '../../activities/cadences';
import type { AppEnv } from '../context';
import { ApiError, ErrorCode, problemResponse } from '../errors';
import { normalizePhone, zoneForCountry } from '../phone';

const contactProfileSchema = z.strictObject({
  name: z.string().max(200).nullable().optional(),
  timeZone: z
    .string()
    .refine(isValidTimeZone, 'not an IANA time zone (e.g. "Asia/Shanghai")')
    .optional()
    .openapi({ example: 'Asia/Shanghai' }),
  tags: z.array(z.string().min(1).max(64)).max(50).optional(),
  industry: z.enum(['education', 'finance', 'ecommerce', 'local-services', 'other']).nullable().optional(),
});

const eventBody = z
  .strictObject({
    id: z.string().min(1).max(200).optional().describe('Idempotency key: the same id is applied once. Derived from the content when absent.'),
    type: z
      .string()
      .regex(/^[a-z][a-z0-9_.-]{0,63}$/, 'lower-case event type, e.g. "lead.created"')
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

const route = createRoute({
  method: 'post',
  path: '/v1/events',
  operationId: 'postEvent',
  tags: ['events'],
  summary: 'Deliver a business event (CRM sync): upserts the contact and starts or signals its cadence',
  middleware: [requireRole('operator')] as const,
  security: [{ bearer: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: eventBody } } } },
  responses: {
    202: { description: 'Accepted: the cadence has the event', content: { 'application/json': { schema: accepted } } },
    400: problemResponse('Invalid event'),
    401: problemResponse('Missing or invalid API key'),
    403: problemResponse('Role too low'),
    404: problemResponse('Unknown campaign or contact'),
    409: problemResponse('The campaign is cancelled'),
    503: problemResponse('The cadence could not be reached; retry with the same id'),
    422: problemResponse('Invalid phone number'),
  },
});

export const eventsRoutes = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
  const body = c.req.valid('json');
  const { db, temporal, taskQueue, defaultRegion, tenant } = c.var.deps;
  const campaignId = body.campaignId ?? DEFAULT_CAMPAIGN;
  const active = await activeStrategy(db, campaignId);
  if (!active) throw new ApiError(404, ErrorCode.unknownCampaign, `No campaign "${campaignId}". Create it with POST /v1/campaigns, or omit campaignId for the default one.`);
  if (active.status === 'cancelled') throw new ApiError(409, ErrorCode.conflict, `Campaign "${campaignId}" is cancelled and takes no events.`);

  let phone: string;
  let country: string | undefined;
  if (body.phone) {
    const n = normalizePhone(body.phone, defaultRegion);
    if (!n.ok) throw new ApiError(422, ErrorCode.invalidPhone, `phone: ${n.reason}`);
    phone = n.e164;
    country = n.country;
  } else {
    const known = await contactByExternalId(db, tenant, body.externalId!);
    if (!known) throw new ApiError(404, ErrorCode.notFound, `No contact with externalId "${body.externalId}"; send its phone once to create it.`);
    phone = known.phone;
  }
  const profile = body.contact ?? {};
  const contact = await upsertContact(
    db,
    {
      tenant,
      phone,
      timeZone: profile.timeZone ?? zoneForCountry(country, zoneForCountry(defaultRegion, 'UTC')),
      name: profile.name,
      tags: profile.tags,
      industry: profile.industry,
      externalId: body.externalId,
      consentSource: 'event',
    },
    profile.timeZone !== undefined,
  );
  const occurredAt = body.occurredAt ? Date.parse(body.occurredAt) : Date.now();
  const eventId = body.id ?? createHash('sha256').update(JSON.stringify([body.type, phone, campaignId, body.occurredAt ?? occurredAt])).digest('hex').slice(0, 32);
  let workflowId: string;
  try {
    workflowId = await deliverEvent(temporal, taskQueue, contact, {
      id: eventId,
      type: body.type,
      campaignId,
      occurredAt,
      strategy: active.strategy,
      strategyVersion: active.version,
      profile: { timeZone: contact.timeZone, tags: contact.tags, industry: contact.industry },
    });
  } catch (err) {
    // a CRM sync that cannot reach its cadence counts towards escalation (the watchdog holds cadences)
    await recordInterfaceError(db, 'crm', `event ${eventId}: ${(err as Error).message}`).catch(() => undefined);
    throw new ApiError(503, ErrorCode.unavailable, 'The event could not be delivered to its cadence right now; retry it with the same id (it is applied once).');
  }
  return c.json({ workflowId, contactId: contact.id, eventId, campaignId, strategyVersion: active.version }, 202);
});
