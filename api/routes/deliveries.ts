/**
 * CRM deliveries (services/crm-deliveries.ts): a campaign's CRM endpoint (URL, write-only signing
 * secret, field mapping), the deliveries of business outcomes to it, and the replay of a dead one.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { BUSINESS_OUTCOMES, CRM_FIELDS } from '../../domain/crm';
import { crmEndpoint, deliveryDetail, listDeliveries, replayDelivery, setCrmEndpoint } from '../../services/crm-deliveries';
import type { AppEnv } from '../context';
import { problemResponse } from '../errors';
import { apiRoute, jsonBody, jsonResponse } from './define';

const mapping = z
  .strictObject({
    fields: z.partialRecord(z.enum(CRM_FIELDS), z.string().min(1).max(100)).default({}).describe('Our field → the CRM’s field name; unmapped fields keep our names'),
    outcomeValues: z.partialRecord(z.enum(BUSINESS_OUTCOMES), z.string().min(1).max(100)).default({}).describe('Our outcome → the CRM’s value (e.g. converted → "won")'),
    onlyMapped: z.boolean().default(false).describe('Send only the fields named in `fields`'),
  })
  .openapi('CrmMapping');

const endpointView = z
  .object({
    campaignId: z.string(),
    url: z.string(),
    mapping,
    enabled: z.boolean(),
    secretSet: z.literal(true).describe('The secret is write-only'),
    updatedBy: z.string(),
    updatedAt: z.string(),
  })
  .openapi('CrmEndpoint');

const deliveryView = z
  .object({
    id: z.number().int(),
    campaignId: z.string(),
    outcomeId: z.string().describe('One delivery per campaign and outcome id; receivers de-duplicate on it'),
    outcome: z.enum(BUSINESS_OUTCOMES),
    contactId: z.uuid(),
    attemptId: z.uuid().nullable(),
    endpoint: z.string().describe('The receiver’s origin and path (no query string)'),
    state: z.enum(['pending', 'delivered', 'dead']),
    held: z.boolean().describe('Waiting for a lockdown’s release (no try is spent meanwhile)'),
    attempts: z.number().int().describe('Tries over every run, replays included'),
    lastStatus: z.number().int().nullable(),
    lastError: z.string().nullable(),
    nextAttemptAt: z.string().nullable(),
    createdAt: z.string(),
    deliveredAt: z.string().nullable(),
    deadAt: z.string().nullable(),
    replays: z.number().int(),
  })
  .openapi('CrmDelivery');

const deliveryDetailView = deliveryView
  .extend({
    body: z.unknown().describe('The JSON body as POSTed and signed'),
    tries: z.array(z.object({ at: z.string(), status: z.number().int().nullable(), error: z.string().nullable(), durationMs: z.number().int() })),
  })
  .openapi('CrmDeliveryDetail');

const campaignParam = z.object({ id: z.string().min(1).max(100).openapi({ param: { name: 'id', in: 'path' } }) });
const deliveryParam = z.object({ id: z.coerce.number().int().positive().openapi({ param: { name: 'id', in: 'path' } }) });
const noDelivery = { 404: problemResponse('No such delivery') };

export const deliveriesRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    apiRoute('deliveries', 'admin', {
      method: 'put',
      path: '/v1/campaigns/{id}/crm',
      operationId: 'setCrmEndpoint',
      summary: 'Set the campaign’s CRM endpoint: business outcomes are POSTed there, signed with the secret (admin; audited without the secret)',
      request: {
        params: campaignParam,
        body: jsonBody(
          z
            .strictObject({
              url: z.url({ protocol: /^https?$/ }).max(2000),
              secret: z.string().min(16).max(200).optional().describe('The HMAC-SHA256 signing secret (write-only; required the first time, kept when omitted)'),
              mapping: mapping.default({ fields: {}, outcomeValues: {}, onlyMapped: false }),
              enabled: z.boolean().default(true),
            })
            .openapi('CrmEndpointInput'),
        ),
      },
      responses: { 200: jsonResponse('The endpoint', endpointView), 404: problemResponse('No such campaign'), 409: problemResponse('A first endpoint without a secret') },
    }),
    async (c) => {
      const b = c.req.valid('json');
      return c.json(await setCrmEndpoint(c.var.deps, { campaignId: c.req.valid('param').id, ...b, actor: c.var.principal.keyId }), 200);
    },
  )
  .openapi(
    apiRoute('deliveries', 'viewer', {
      method: 'get',
      path: '/v1/campaigns/{id}/crm',
      operationId: 'getCrmEndpoint',
      summary: 'The campaign’s CRM endpoint (the secret is never shown)',
      request: { params: campaignParam },
      responses: { 200: jsonResponse('The endpoint', endpointView), 404: problemResponse('No such campaign, or no endpoint set') },
    }),
    async (c) => c.json(await crmEndpoint(c.var.deps, c.req.valid('param').id), 200),
  )
  .openapi(
    apiRoute('deliveries', 'viewer', {
      method: 'get',
      path: '/v1/deliveries',
      operationId: 'listDeliveries',
      summary: 'CRM deliveries of business outcomes, newest first',
      request: {
        query: z.object({
          campaignId: z.string().max(100).optional(),
          state: z.enum(['pending', 'delivered', 'dead']).optional(),
          outcome: z.enum(BUSINESS_OUTCOMES).optional(),
          contactId: z.uuid().optional(),
          from: z.iso.datetime({ offset: true }).optional().describe('Created at or after'),
          to: z.iso.datetime({ offset: true }).optional().describe('Created before'),
          before: z.coerce.number().int().positive().optional().describe('Ids below this (the next page: the last id seen)'),
          limit: z.coerce.number().int().min(1).max(500).optional().describe('default 100'),
        }),
      },
      responses: { 200: jsonResponse('Deliveries', z.object({ deliveries: z.array(deliveryView) })) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const deliveries = await listDeliveries(c.var.deps, { ...q, from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined, limit: q.limit ?? 100 });
      return c.json({ deliveries }, 200);
    },
  )
  .openapi(
    apiRoute('deliveries', 'operator', {
      method: 'get',
      path: '/v1/deliveries/{id}',
      operationId: 'getDelivery',
      summary: 'A CRM delivery with its body and every try (status, error, duration)',
      request: { params: deliveryParam },
      responses: { 200: jsonResponse('The delivery', deliveryDetailView), ...noDelivery },
    }),
    async (c) => c.json(await deliveryDetail(c.var.deps, c.req.valid('param').id), 200),
  )
  .openapi(
    apiRoute('deliveries', 'operator', {
      method: 'post',
      path: '/v1/deliveries/{id}/replay',
      operationId: 'replayDelivery',
      summary: 'Send a dead-lettered delivery again under a fresh retry budget (audited)',
      request: { params: deliveryParam },
      responses: { 202: jsonResponse('The delivery, pending again', deliveryView), ...noDelivery, 409: problemResponse('The delivery is not dead-lettered') },
    }),
    async (c) => c.json(await replayDelivery(c.var.deps, { id: c.req.valid('param').id, actor: c.var.principal.keyId }), 202),
  );
