/** Missed first-contact deadlines handed to a person (services/handoffs.ts): the queue, and marking one done. */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { completeHandoff, handoffs } from '../../services/handoffs';
import type { AppEnv } from '../context';
import { problemResponse } from '../errors';
import { apiRoute, jsonResponse } from './define';

const handoff = z
  .object({
    id: z.number().int(),
    contactId: z.uuid().describe('GET /v1/contacts/{id} gives the number (operator)'),
    campaignId: z.string(),
    trigger: z.string(),
    deadlineAt: z.string(),
    reason: z.string().describe('why the deadline could not be kept: quiet-hours, daily-cap, blocked-window, holiday, grace-period, interface-hold, lockdown, backlog, …'),
    missedAt: z.string(),
    handledAt: z.string().nullable(),
    handledBy: z.string().nullable().describe('the API key that marked it done'),
  })
  .openapi('Handoff');

const idParam = z.object({ id: z.coerce.number().int().positive().openapi({ param: { name: 'id', in: 'path' } }) });

export const handoffsRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    apiRoute('handoffs', 'operator', {
      method: 'get',
      path: '/v1/handoffs',
      operationId: 'listHandoffs',
      summary: "Leads given up at a missed first-contact deadline and handed to a person (strategy onDeadlineMissed: 'hand-off'); open ones unless all=true",
      request: {
        query: z.object({
          all: z.enum(['true', 'false']).optional().describe('true: handled ones too'),
          limit: z.coerce.number().int().min(1).max(500).optional().describe('default 100'),
        }),
      },
      responses: { 200: jsonResponse('Hand-offs, newest first', z.object({ handoffs: z.array(handoff) })), 400: problemResponse('Invalid query') },
    }),
    async (c) => {
      const q = c.req.valid('query');
      return c.json({ handoffs: await handoffs(c.var.deps, { open: q.all !== 'true', limit: q.limit ?? 100 }) }, 200);
    },
  )
  .openapi(
    apiRoute('handoffs', 'operator', {
      method: 'post',
      path: '/v1/handoffs/{id}/done',
      operationId: 'completeHandoff',
      summary: 'Mark a hand-off taken care of (audited)',
      request: { params: idParam },
      responses: { 200: jsonResponse('The hand-off', handoff), 404: problemResponse('No open hand-off with this id') },
    }),
    async (c) => c.json(await completeHandoff(c.var.deps, { id: c.req.valid('param').id, actor: c.var.principal.keyId }), 200),
  );
