/** Carrier lines: list, add, inspect health, change CPS or close — secrets never leave the API. */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { defaultFailover } from '../../domain/failover';
import { audit } from '../../db/queries/audit';
import { lineById, lineHealth, type Line } from '../../db/queries/lines';
import { lines } from '../../db/schema';
import { requireRole } from '../auth';
import type { AppEnv } from '../context';
import { ApiError, ErrorCode, problemResponse } from '../errors';

const tier = z.enum(['premium', 'standard', 'backup']);
const lineView = z
  .object({ id: z.string(), provider: z.string(), accountSid: z.string(), fromNumber: z.string(), tier, cps: z.number().int(), state: z.enum(['active', 'failed', 'closed']), stateChangedAt: z.string() })
  .openapi('Line');
const view = (l: Line) => ({ id: l.id, provider: l.provider, accountSid: l.accountSid, fromNumber: l.fromNumber, tier: l.tier as z.infer<typeof tier>, cps: l.cps, state: l.state as 'active', stateChangedAt: l.stateChangedAt.toISOString() });

const idParam = z.object({ id: z.string().min(1).max(100).openapi({ param: { name: 'id', in: 'path' } }) });
const errors = { 400: problemResponse('Invalid request'), 401: problemResponse('Missing or invalid API key'), 403: problemResponse('Role too low') };

const list = createRoute({
  method: 'get',
  path: '/v1/lines',
  operationId: 'listLines',
  tags: ['lines'],
  summary: 'Carrier lines and their state',
  middleware: [requireRole('viewer')] as const,
  security: [{ bearer: [] }],
  responses: { 200: { description: 'The lines', content: { 'application/json': { schema: z.object({ lines: z.array(lineView) }) } } }, ...errors },
});

const create = createRoute({
  method: 'post',
  path: '/v1/lines',
  operationId: 'createLine',
  tags: ['lines'],
  summary: 'Add a carrier line (admin)',
  middleware: [requireRole('admin')] as const,
  security: [{ bearer: [] }],
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .strictObject({
              id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes'),
              accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'a Twilio Account SID (AC + 32 hex)'),
              authToken: z.string().min(8).max(200),
              fromNumber: z.string().regex(/^\+[1-9]\d{6,14}$/, 'E.164, e.g. +14155550100'),
              tier,
              cps: z.number().int().min(1).max(1000),
            })
            .openapi('NewLine'),
        },
      },
    },
  },
  responses: { 201: { description: 'Created', content: { 'application/json': { schema: lineView } } }, ...errors, 409: problemResponse('A line with this id exists') },
});

const health = createRoute({
  method: 'get',
  path: '/v1/lines/{id}/health',
  operationId: 'getLineHealth',
  tags: ['lines'],
  summary: 'A line’s failure and connect rate over its rolling health window',
  middleware: [requireRole('viewer')] as const,
  security: [{ bearer: [] }],
  request: { params: idParam },
  responses: {
    200: {
      description: 'Health',
      content: {
        'application/json': {
          schema: z
            .object({ lineId: z.string(), state: z.string(), windowSeconds: z.number(), windowCalls: z.number(), calls: z.number(), failures: z.number(), failureRate: z.number(), connectRate: z.number() })
            .openapi('LineHealth'),
        },
      },
    },
    ...errors,
    404: problemResponse('No such line'),
  },
});

const patch = createRoute({
  method: 'patch',
  path: '/v1/lines/{id}',
  operationId: 'updateLine',
  tags: ['lines'],
  summary: 'Change a line’s CPS (applies to the next call, on every worker) or close/reopen it (admin)',
  middleware: [requireRole('admin')] as const,
  security: [{ bearer: [] }],
  request: {
    params: idParam,
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .strictObject({ cps: z.number().int().min(1).max(1000).optional(), state: z.enum(['active', 'closed']).optional() })
            .refine((b) => b.cps !== undefined || b.state !== undefined, 'give cps or state')
            .openapi('LinePatch'),
        },
      },
    },
  },
  responses: { 200: { description: 'Updated', content: { 'application/json': { schema: lineView } } }, ...errors, 404: problemResponse('No such line') },
});

export const linesRoutes = new OpenAPIHono<AppEnv>()
  .openapi(list, async (c) => {
    const rows = await c.var.deps.db.select().from(lines).orderBy(lines.id);
    return c.json({ lines: rows.map(view) }, 200);
  })
  .openapi(create, async (c) => {
    const { db } = c.var.deps;
    const body = c.req.valid('json');
    const [row] = await db.insert(lines).values(body).onConflictDoNothing().returning();
    if (!row) throw new ApiError(409, ErrorCode.conflict, `A line "${body.id}" exists; change it with PATCH /v1/lines/${body.id}.`);
    await audit(db, { actor: c.var.principal.keyId, action: 'line.create', target: row.id, after: view(row) });
    return c.json(view(row), 201);
  })
  .openapi(health, async (c) => {
    const { db } = c.var.deps;
    const line = await lineById(db, c.req.valid('param').id);
    if (!line) throw new ApiError(404, ErrorCode.notFound, 'No line with this id.');
    const { windowMs, windowCalls } = defaultFailover;
    const h = await lineHealth(db, line.id, { since: new Date(Date.now() - windowMs), lastN: windowCalls });
    return c.json({ lineId: line.id, state: line.state, windowSeconds: windowMs / 1000, windowCalls, calls: h.calls, failures: h.failures, failureRate: h.failureRate, connectRate: h.connectRate }, 200);
  })
  .openapi(patch, async (c) => {
    const { db } = c.var.deps;
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const before = await lineById(db, id);
    if (!before) throw new ApiError(404, ErrorCode.notFound, 'No line with this id.');
    const change = { ...(body.cps !== undefined && body.cps !== before.cps ? { cps: body.cps } : {}), ...(body.state && body.state !== before.state ? { state: body.state, stateChangedAt: new Date() } : {}) };
    if (Object.keys(change).length === 0) return c.json(view(before), 200); // nothing to change: idempotent
    const [after] = await db.update(lines).set(change).where(eq(lines.id, id)).returning();
    await audit(db, { actor: c.var.principal.keyId, action: 'line.update', target: id, before: view(before), after: view(after!) });
    return c.json(view(after!), 200);
  });
