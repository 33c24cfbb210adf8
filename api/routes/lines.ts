/** Carrier lines: list, add, inspect health, change CPS or close — secrets never leave the API. */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { ACCOUNT_SID, ACCOUNT_SID_HINT, AUTH_TOKEN, AUTH_TOKEN_HINT, E164, E164_HINT, LINE_TIERS, SLUG_ID, SLUG_ID_HINT } from '../../domain/vocabulary';
import { CLOSED_BY } from '../../domain/line-service';
import { createLine, lineHealthReport, listLines, updateLine } from '../../services/lines';
import type { AppEnv } from '../context';
import { problemResponse } from '../errors';
import { apiRoute, jsonBody, jsonResponse } from './define';

const tier = z.enum(LINE_TIERS);
const lineView = z
  .object({
    id: z.string(),
    provider: z.string(),
    accountSid: z.string(),
    fromNumber: z.string(),
    tier,
    cps: z.number().int(),
    state: z.enum(['active', 'failed', 'closed']),
    closedBy: z.enum(CLOSED_BY).nullable().describe('who took the line out of service: failover and routine lines are probed and come back on clean probes; an admin’s stays closed until an admin opens it'),
    stateChangedAt: z.string(),
  })
  .openapi('Line');

const idParam = z.object({ id: z.string().min(1).max(100).openapi({ param: { name: 'id', in: 'path' } }) });

const list = apiRoute('lines', 'viewer', {
  method: 'get',
  path: '/v1/lines',
  operationId: 'listLines',
  summary: 'Carrier lines and their state',
  responses: { 200: jsonResponse('The lines', z.object({ lines: z.array(lineView) })) },
});

const create = apiRoute('lines', 'admin', {
  method: 'post',
  path: '/v1/lines',
  operationId: 'createLine',
  summary: 'Add a carrier line (admin)',
  request: {
    body: jsonBody(
      z
        .strictObject({
          id: z.string().regex(SLUG_ID, SLUG_ID_HINT),
          accountSid: z.string().regex(ACCOUNT_SID, ACCOUNT_SID_HINT),
          authToken: z.string().regex(AUTH_TOKEN, AUTH_TOKEN_HINT),
          fromNumber: z.string().regex(E164, E164_HINT),
          tier,
          cps: z.number().int().min(1).max(1000),
        })
        .openapi('NewLine'),
    ),
  },
  responses: { 201: jsonResponse('Created', lineView), 409: problemResponse('A line with this id exists') },
});

const health = apiRoute('lines', 'viewer', {
  method: 'get',
  path: '/v1/lines/{id}/health',
  operationId: 'getLineHealth',
  summary: 'A line’s failure and connect rate over its rolling health window',
  request: { params: idParam },
  responses: {
    200: jsonResponse(
      'Health',
      z
        .object({ lineId: z.string(), state: z.string(), windowSeconds: z.number(), windowCalls: z.number(), calls: z.number(), failures: z.number(), failureRate: z.number(), connectRate: z.number() })
        .openapi('LineHealth'),
    ),
    404: problemResponse('No such line'),
  },
});

const patch = apiRoute('lines', 'admin', {
  method: 'patch',
  path: '/v1/lines/{id}',
  operationId: 'updateLine',
  summary: 'Change a line’s CPS (applies to the next call, on every worker), close/reopen it, or rotate its auth token (admin)',
  description: 'A line an admin closes stays closed until an admin opens it; its tier’s calls go to the next tier, and ops are alerted when a tier is left without a line in service. Closing the last line that is not closed is refused (409): pause campaigns or engage a lockdown to stop calling.',
  request: {
    params: idParam,
    body: jsonBody(
      z
        .strictObject({
          cps: z.number().int().min(1).max(1000).optional(),
          state: z.enum(['active', 'closed']).optional(),
          authToken: z.string().regex(AUTH_TOKEN, AUTH_TOKEN_HINT).optional().describe('a new auth token (rotated at the carrier first); sealed at rest, never shown again'),
        })
        .refine((b) => b.cps !== undefined || b.state !== undefined || b.authToken !== undefined, 'give cps, state or authToken')
        .openapi('LinePatch'),
    ),
  },
  responses: { 200: jsonResponse('Updated', lineView), 404: problemResponse('No such line'), 409: problemResponse('The last line not closed, or the line changed state meanwhile (`conflict`)') },
});

export const linesRoutes = new OpenAPIHono<AppEnv>()
  .openapi(list, async (c) => c.json({ lines: await listLines(c.var.deps) }, 200))
  .openapi(create, async (c) => c.json(await createLine(c.var.deps, { ...c.req.valid('json'), actor: c.var.principal.keyId }), 201))
  .openapi(health, async (c) => c.json(await lineHealthReport(c.var.deps, c.req.valid('param').id), 200))
  .openapi(patch, async (c) => c.json(await updateLine(c.var.deps, { lineId: c.req.valid('param').id, ...c.req.valid('json'), actor: c.var.principal.keyId }), 200));
