import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { attemptsOfContact } from '../../db/queries/attempts';
import { audit } from '../../db/queries/audit';
import { addOptOut, contactById, removeOptOut } from '../../db/queries/contacts';
import { requireRole } from '../auth';
import { cadenceState, signalCancel, signalOptOut, signalPause, signalResume, workflowIdOf } from '../../services/cadences';
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
    cadenceError: z.string().nullable().describe('why the cadence state could not be read (e.g. no worker running); the rest is still current'),
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

const controlResult = z.object({ contactId: z.uuid(), workflowId: z.string(), action: z.string(), changed: z.boolean() }).openapi('ContactControlResult');

const control = (path: string, operationId: string, summary: string, role: 'operator' | 'admin', method: 'post' | 'delete' = 'post') =>
  createRoute({
    method,
    path,
    operationId,
    summary,
    tags: ['contacts'],
    middleware: [requireRole(role)] as const,
    security: [{ bearer: [] }],
    request: { params: idParam },
    responses: {
      200: { description: 'Done (idempotent)', content: { 'application/json': { schema: controlResult } } },
      400: problemResponse('Invalid id'),
      401: problemResponse('Missing or invalid API key'),
      403: problemResponse('Role too low'),
      404: problemResponse('No such contact'),
    },
  });

async function contactOr404(db: AppEnv['Variables']['deps']['db'], id: string) {
  const contact = await contactById(db, id);
  if (!contact || contact.deletedAt) throw new ApiError(404, ErrorCode.notFound, 'No contact with this id.');
  return contact;
}

/** Pause, resume, cancel: find the contact, signal its cadence, audit. */
async function signalContact(
  c: Context<AppEnv, string, { out: { param: { id: string } } }>,
  action: 'pause' | 'resume' | 'cancel',
  send: (temporal: AppEnv['Variables']['deps']['temporal'], workflowId: string) => Promise<void>,
) {
  const { db, temporal } = c.var.deps;
  const contact = await contactOr404(db, c.req.valid('param').id);
  await send(temporal, workflowIdOf(contact));
  await audit(db, { actor: c.var.principal.keyId, action: `contact.${action}`, target: contact.id });
  return c.json({ contactId: contact.id, workflowId: workflowIdOf(contact), action, changed: true }, 200);
}

export const contactsRoutes = new OpenAPIHono<AppEnv>()
  .openapi(control('/v1/contacts/{id}/opt-out', 'optOutContact', 'Put the number on the DNC list and end every follow-up at once', 'operator'), async (c) => {
    const { db, temporal } = c.var.deps;
    const contact = await contactOr404(db, c.req.valid('param').id);
    const changed = await addOptOut(db, contact.tenant, contact.phone, 'operator');
    await signalOptOut(temporal, workflowIdOf(contact), 'operator');
    await audit(db, { actor: c.var.principal.keyId, action: 'contact.opt-out', target: contact.id, before: { status: contact.status }, after: { status: 'opted_out' } });
    return c.json({ contactId: contact.id, workflowId: workflowIdOf(contact), action: 'opt-out', changed }, 200);
  })
  .openapi(control('/v1/contacts/{id}/opt-out', 'removeFromDnc', 'Take the number off the DNC list (admin; new events may call it again)', 'admin', 'delete'), async (c) => {
    const { db } = c.var.deps;
    const contact = await contactOr404(db, c.req.valid('param').id);
    const changed = await removeOptOut(db, contact.tenant, contact.phone);
    await audit(db, { actor: c.var.principal.keyId, action: 'dnc.remove', target: contact.id, before: { dnc: changed }, after: { dnc: false } });
    return c.json({ contactId: contact.id, workflowId: workflowIdOf(contact), action: 'dnc-remove', changed }, 200);
  })
  .openapi(control('/v1/contacts/{id}/pause', 'pauseContact', 'Pause the contact’s cadence (it keeps its place)', 'operator'), (c) => signalContact(c, 'pause', signalPause))
  .openapi(control('/v1/contacts/{id}/resume', 'resumeContact', 'Resume a paused cadence', 'operator'), (c) => signalContact(c, 'resume', signalResume))
  .openapi(control('/v1/contacts/{id}/cancel', 'cancelContact', 'End every follow-up of the contact (no opt-out: new events may start new ones)', 'operator'), (c) =>
    signalContact(c, 'cancel', signalCancel),
  )
  .openapi(getContact, async (c) => {
  const { db, temporal } = c.var.deps;
  const contact = await contactOr404(db, c.req.valid('param').id);
  // the cadence first, then the attempts: the state never claims an outcome the rows do not show yet
  const cadence = await cadenceState(temporal, workflowIdOf(contact));
  if (cadence.error) c.var.deps.log(cadence.error);
  const attempts = await attemptsOfContact(db, contact.id);
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
      cadence: cadence.view,
      cadenceError: cadence.error,
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
