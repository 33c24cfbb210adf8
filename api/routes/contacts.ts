import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { attemptsOfContact } from '../../db/queries/attempts';
import { contactById } from '../../db/queries/contacts';
import { requireRole } from '../auth';
import { cadenceState, workflowIdOf } from '../cadences';
import type { AppEnv } from '../context';
import { ApiError, ErrorCode, problemResponse } from '../errors';

const idParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });

const attemptSchema = z
  .object({
    id: z.uuid(),
    campaignId: z.string(),
    channel: z.string(),
    status: z.string(),
    outcome: z.string().nullable(),
    strategyVersion: z.number().int(),
    lineId: z.string().nullable(),
    providerSid: z.string().nullable(),
    answeredBy: z.string().nullable(),
    durationSec: z.number().int().nullable(),
    sipResponseCode: z.number().int().nullable(),
    localDay: z.string(),
    reservedAt: z.string(),
    placedAt: z.string().nullable(),
    endedAt: z.string().nullable(),
  })
  .openapi('Attempt');

const cadenceSchema = z
  .object({
    workflowId: z.string(),
    status: z.string(),
    nextAttemptAt: z.string().nullable(),
    nextAttemptReason: z.string().nullable(),
    nextChannel: z.string().nullable(),
    attemptsToday: z.number().int(),
    attemptsTotal: z.number().int(),
    optedOut: z.boolean(),
    followUps: z.array(
      z.object({
        id: z.string(),
        campaignId: z.string(),
        trigger: z.string(),
        status: z.string(),
        endReason: z.string().nullable(),
        attempts: z.number().int(),
        strategyVersion: z.number().int(),
        deadlineAt: z.string().nullable(),
        firstAttemptAt: z.string().nullable(),
      }),
    ),
    lastRefusals: z.array(z.object({ at: z.string(), followUpId: z.string(), channel: z.string(), reason: z.string() })),
  })
  .openapi('Cadence');

const contactView = z
  .object({
    id: z.uuid(),
    phone: z.string(),
    name: z.string().nullable(),
    timeZone: z.string(),
    tags: z.array(z.string()),
    industry: z.string().nullable(),
    externalId: z.string().nullable(),
    status: z.string(),
    cadence: cadenceSchema.nullable(),
    attempts: z.array(attemptSchema),
  })
  .openapi('ContactDetail');

const iso = (d: Date | null) => (d ? d.toISOString() : null);

const getContact = createRoute({
  method: 'get',
  path: '/v1/contacts/{id}',
  operationId: 'getContact',
  tags: ['contacts'],
  summary: 'A contact with its cadence state and every attempt',
  middleware: [requireRole('viewer')] as const,
  security: [{ bearer: [] }],
  request: { params: idParam },
  responses: {
    200: { description: 'The contact', content: { 'application/json': { schema: contactView } } },
    400: problemResponse('Invalid id'),
    401: problemResponse('Missing or invalid API key'),
    404: problemResponse('No such contact'),
  },
});

export const contactsRoutes = new OpenAPIHono<AppEnv>().openapi(getContact, async (c) => {
  const { db, temporal } = c.var.deps;
  const contact = await contactById(db, c.req.valid('param').id);
  if (!contact || contact.deletedAt) throw new ApiError(404, ErrorCode.notFound, 'No contact with this id.');
  const [cadence, attempts] = await Promise.all([cadenceState(temporal, workflowIdOf(contact)), attemptsOfContact(db, contact.id)]);
  return c.json(
    {
      id: contact.id,
      phone: contact.phone,
      name: contact.name,
      timeZone: contact.timeZone,
      tags: contact.tags,
      industry: contact.industry,
      externalId: contact.externalId,
      status: contact.status,
      cadence,
      attempts: attempts.map((a) => ({
        id: a.id,
        campaignId: a.campaignId,
        channel: a.channel,
        status: a.status,
        outcome: a.outcome,
        strategyVersion: a.strategyVersion,
        lineId: a.lineId,
        providerSid: a.providerSid,
        answeredBy: a.answeredBy,
        durationSec: a.durationSec,
        sipResponseCode: a.sipResponseCode,
        localDay: a.localDay,
        reservedAt: a.reservedAt.toISOString(),
        placedAt: iso(a.placedAt),
        endedAt: iso(a.endedAt),
      })),
    },
    200,
  );
});
