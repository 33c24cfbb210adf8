import { OpenAPIHono, z } from '@hono/zod-openapi';
import { contactDetail, controlCadence, findByPhone, optOutContact, removeFromDnc } from '../../services/contacts';
import { workflowIdOf } from '../../services/cadences';
import { contactTimeline, TIMELINE_KINDS, TIMELINE_SOURCES } from '../../services/timeline';
import type { AppEnv, Role } from '../context';
import { problemResponse } from '../errors';
import { apiRoute, jsonResponse, type RouteOptions } from './define';

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
    errorCode: z.number().int().nullable().describe('an SMS the carrier could not deliver: its ErrorCode'),
    voicemail: z.enum(['left', 'hung-up']).nullable().describe('a call answered by a machine: whether the voicemail was left or the call hung up'),
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
        deadlineMissed: z.object({ at: z.string(), reason: z.string() }).nullable().describe('the first-contact deadline could not be kept: when that was known, and why'),
      }),
    ),
    lastRefusals: z.array(z.object({ at: z.string(), followUpId: z.string(), channel: z.string(), reason: z.string() })),
  })
  .openapi('Cadence');

const replySchema = z
  .object({
    id: z.number().int(),
    campaignId: z.string().nullable().describe('the campaign of the last text we sent the person'),
    lineId: z.string().nullable(),
    kind: z.enum(['opt-out', 'resubscribe', 'reply']),
    action: z.enum(['opted-out', 'resubscribed', 'kept-opted-out', 'recorded', 'callback']).describe('what Redial did: callback asked the cadence to call at the first allowed instant'),
    body: z.string().nullable().describe('the text (personal data): shown to operator and admin keys, null for viewers'),
    receivedAt: z.string(),
  })
  .openapi('SmsReply');

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
    workflowId: z.string().describe('the cadence workflow in Temporal (its id is a keyed hash: search the Temporal UI by it)'),
    cadence: cadenceSchema.nullable(),
    cadenceError: z.string().nullable().describe('why the cadence state could not be read (e.g. no worker running); the rest is still current'),
    attempts: z.array(attemptSchema),
    replies: z.array(replySchema).describe('texts the person sent us, oldest first'),
  })
  .openapi('ContactDetail');

const iso = (d: Date | null) => (d ? d.toISOString() : null);

const controlResult = z.object({ contactId: z.uuid(), workflowId: z.string(), action: z.string(), changed: z.boolean() }).openapi('ContactControlResult');

const control = (path: string, operationId: string, summary: string, role: Exclude<Role, 'viewer'>, method: 'post' | 'delete' = 'post', opts: RouteOptions = {}) =>
  apiRoute('contacts', role, {
    method,
    path,
    operationId,
    summary,
    request: { params: idParam },
    responses: {
      200: jsonResponse('Done (idempotent)', controlResult),
      400: problemResponse('Invalid id'),
      404: problemResponse('No such contact'),
    },
  }, opts);

const timelineView = z
  .object({
    contact: z.object({ id: z.uuid(), phone: z.string().describe('masked: +1 415****0127'), timeZone: z.string(), status: z.string(), workflowId: z.string() }),
    entries: z.array(
      z.object({
        at: z.string(),
        kind: z.enum(TIMELINE_KINDS).describe('event accepted, signal and wait (the cadence workflow), granted and refused (the gate), call, sms, deadline-missed, reply, opt-out, cadence (runs), plan (now)'),
        source: z.enum(TIMELINE_SOURCES).describe('where the entry was read'),
        campaignId: z.string().nullable(),
        strategyVersion: z.number().int().nullable().describe('the strategy version the decision was taken under'),
        summary: z.string(),
        detail: z.record(z.string(), z.unknown()),
      }),
    ),
    errors: z.array(z.string()).describe('parts that could not be read (e.g. Temporal unreachable); the rest is current'),
  })
  .openapi('ContactTimeline');

const lookupResult = z.object({ contactId: z.uuid(), workflowId: z.string() }).openapi('ContactLookup');

export const contactsRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    apiRoute('contacts', 'operator', {
      method: 'get',
      path: '/v1/contacts/lookup',
      operationId: 'lookupContact',
      summary: 'Find a contact and its cadence workflow by phone number (operator; audited)',
      request: { query: z.object({ phone: z.string().min(3).max(40).openapi({ param: { name: 'phone', in: 'query' }, example: '+8613812348000' }) }) },
      responses: {
        200: jsonResponse('The contact and its cadence workflow id', lookupResult),
        400: problemResponse('Not a phone number'),
        404: problemResponse('No contact with this number'),
      },
    }),
    async (c) => c.json(await findByPhone(c.var.deps, { tenant: c.var.deps.tenant, phone: c.req.valid('query').phone, defaultRegion: c.var.deps.defaultRegion, actor: c.var.principal.keyId }), 200),
  )
  .openapi(control('/v1/contacts/{id}/opt-out', 'optOutContact', 'Put the number on the DNC list and end every follow-up at once (open during a lockdown)', 'operator', 'post', { lockdown: 'open' }), async (c) =>
    c.json(await optOutContact(c.var.deps, { contactId: c.req.valid('param').id, actor: c.var.principal.keyId }), 200),
  )
  .openapi(control('/v1/contacts/{id}/opt-out', 'removeFromDnc', 'Take the number off the DNC list (admin; new events may call it again)', 'admin', 'delete'), async (c) =>
    c.json(await removeFromDnc(c.var.deps, { contactId: c.req.valid('param').id, actor: c.var.principal.keyId }), 200),
  )
  .openapi(control('/v1/contacts/{id}/pause', 'pauseContact', 'Pause the contact’s cadence (it keeps its place)', 'operator'), async (c) =>
    c.json(await controlCadence(c.var.deps, { contactId: c.req.valid('param').id, actor: c.var.principal.keyId, action: 'pause' }), 200),
  )
  .openapi(control('/v1/contacts/{id}/resume', 'resumeContact', 'Resume a paused cadence', 'operator'), async (c) =>
    c.json(await controlCadence(c.var.deps, { contactId: c.req.valid('param').id, actor: c.var.principal.keyId, action: 'resume' }), 200),
  )
  .openapi(control('/v1/contacts/{id}/cancel', 'cancelContact', 'End every follow-up of the contact (no opt-out: new events may start new ones)', 'operator'), async (c) =>
    c.json(await controlCadence(c.var.deps, { contactId: c.req.valid('param').id, actor: c.var.principal.keyId, action: 'cancel' }), 200),
  )
  .openapi(
    apiRoute('contacts', 'viewer', {
      method: 'get',
      path: '/v1/contacts/{id}',
      operationId: 'getContact',
      summary: 'A contact with its cadence state, every attempt and the texts they sent us (bodies for operator and admin)',
      request: { params: idParam },
      responses: {
        200: jsonResponse('The contact', contactView),
        400: problemResponse('Invalid id'),
        404: problemResponse('No such contact'),
      },
    }),
    async (c) => {
      const withBodies = c.var.principal.role !== 'viewer';
      const { contact, cadence, attempts, replies } = await contactDetail(c.var.deps, { contactId: c.req.valid('param').id, actor: c.var.principal.keyId, withBodies });
      if (cadence.error) c.var.deps.log(cadence.error);
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
          workflowId: workflowIdOf(c.var.deps.keyring, contact),
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
            errorCode: a.errorCode,
            voicemail: a.voicemail as 'left' | 'hung-up' | null,
            localDay: a.localDay,
            reservedAt: a.reservedAt.toISOString(),
            placedAt: iso(a.placedAt),
            endedAt: iso(a.endedAt),
          })),
          replies: replies.map((r) => ({
            id: r.id,
            campaignId: r.campaignId,
            lineId: r.lineId,
            kind: r.kind as 'opt-out' | 'resubscribe' | 'reply',
            action: r.action as 'opted-out' | 'resubscribed' | 'kept-opted-out' | 'recorded' | 'callback',
            body: r.body,
            receivedAt: r.receivedAt.toISOString(),
          })),
        },
        200,
      );
    },
  )
  .openapi(
    apiRoute('contacts', 'viewer', {
      method: 'get',
      path: '/v1/contacts/{id}/timeline',
      operationId: 'getContactTimeline',
      summary: 'Why this number was called, and why not: events, the gate’s grants and refusals with their strategy version, calls, texts, deadlines, replies, opt-out and the cadence’s own history, in time order (number masked)',
      request: { params: idParam },
      responses: {
        200: jsonResponse('The timeline', timelineView),
        400: problemResponse('Invalid id'),
        404: problemResponse('No such contact'),
      },
    }),
    async (c) => c.json(await contactTimeline(c.var.deps, { contactId: c.req.valid('param').id, actor: c.var.principal.keyId }), 200),
  );
