/**
 * Campaigns and their strategies. A strategy is data, validated by the strategy schema; versions
 * are immutable and attributed; activating one or rolling back is a single call and applies to
 * the next attempt of every running cadence (the gate reads the active version).
 */
import { createRoute, OpenAPIHono, z, type RouteConfig } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { and, eq, ne } from 'drizzle-orm';
import { audit } from '../../db/queries/audit';
import { activateVersion, activeStrategy, addStrategyVersion, campaignWithVersions, ensureCampaign, previousVersion } from '../../db/queries/campaigns';
import { campaigns } from '../../db/schema';
import { cancelCampaignCadences } from '../../workflows/bulk';
import { campaignCancelWorkflowId } from '../../workflows/constants';
import { strategySchema } from '../../domain/strategy';
import { requireRole } from '../auth';
import type { AppEnv } from '../context';
import { ApiError, ErrorCode, problemResponse, zodErrors } from '../errors';

const industry = z.enum(['education', 'finance', 'ecommerce', 'local-services', 'other']);
const campaignView = z
  .object({
    id: z.string(),
    name: z.string(),
    industry: z.string().nullable(),
    status: z.enum(['active', 'paused', 'cancelled']),
    activeStrategyVersion: z.number().int(),
    cps: z.number().int().nullable().describe('The campaign’s own calls-per-second cap across lines (null: the lines’ caps only); incidents lower it'),
    strategy: z.record(z.string(), z.unknown()),
    versions: z.array(z.object({ version: z.number().int(), createdBy: z.string(), createdAt: z.string() })),
  })
  .openapi('Campaign');
const idParam = z.object({ id: z.string().min(1).max(100).openapi({ param: { name: 'id', in: 'path' } }) });
const errs = { 400: problemResponse('Invalid request'), 401: problemResponse('Missing or invalid API key'), 403: problemResponse('Role too low'), 404: problemResponse('No such campaign') };
const json = <T extends z.ZodType>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });
const ok = (description: string) => ({ description, content: { 'application/json': { schema: campaignView } } });

/** The strategy is validated here (not by the route schema) so its errors carry "strategy." paths and read well. */
function parseStrategy(input: unknown) {
  const r = strategySchema.safeParse(input ?? {});
  if (!r.success) throw new ApiError(400, ErrorCode.validation, 'The strategy is not valid; see errors.', zodErrors(r.error).map((e) => ({ ...e, path: `strategy.${e.path}` })));
  return r.data;
}

async function load(c: { var: AppEnv['Variables'] }, id: string) {
  const { db } = c.var.deps;
  const [camp, active] = await Promise.all([campaignWithVersions(db, id), activeStrategy(db, id)]);
  if (!camp || !active) throw new ApiError(404, ErrorCode.unknownCampaign, `No campaign "${id}".`);
  return {
    id: camp.id,
    name: camp.name,
    industry: camp.industry,
    status: camp.status as 'active' | 'paused' | 'cancelled',
    activeStrategyVersion: camp.activeStrategyVersion,
    cps: camp.cps,
    strategy: active.strategy as unknown as Record<string, unknown>,
    versions: camp.versions.map((v) => ({ version: v.version, createdBy: v.createdBy, createdAt: v.createdAt.toISOString() })),
  };
}

/**
 * Pause, resume or cancel: one update (its row says whether the campaign exists and may change),
 * audited. Cancelling is final; repeating any of them changes nothing.
 */
async function setStatus(c: { var: AppEnv['Variables']; json: Context<AppEnv>['json'] }, id: string, status: 'paused' | 'active' | 'cancelled') {
  const { db } = c.var.deps;
  const changed = await db
    .update(campaigns)
    .set({ status })
    .where(and(eq(campaigns.id, id), status === 'cancelled' ? undefined : ne(campaigns.status, 'cancelled')))
    .returning({ id: campaigns.id });
  if (!changed.length) {
    const [exists] = await db.select({ id: campaigns.id }).from(campaigns).where(eq(campaigns.id, id));
    if (!exists) throw new ApiError(404, ErrorCode.unknownCampaign, `No campaign "${id}".`);
    throw new ApiError(409, ErrorCode.conflict, `Campaign "${id}" is cancelled; that is final. Create a new campaign instead.`);
  }
  await audit(db, { actor: c.var.principal.keyId, action: `campaign.${status === 'paused' ? 'pause' : status === 'active' ? 'resume' : 'cancel'}`, target: id });
  if (status === 'cancelled') {
    // running cadences hear it now; any the fan-out misses are refused by the gate at their next attempt
    await c.var.deps.temporal.workflow.start(cancelCampaignCadences, {
      workflowId: campaignCancelWorkflowId(id),
      taskQueue: c.var.deps.taskQueue,
      args: [{ campaignId: id }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
  }
  return c.json(await load(c, id), 200);
}

const route = <P extends string, R extends NonNullable<RouteConfig['request']>>(method: 'get' | 'post', path: P, operationId: string, summary: string, role: 'viewer' | 'operator' | 'admin', request: R) =>
  createRoute({
    method,
    path,
    operationId,
    summary,
    tags: ['campaigns'],
    middleware: [requireRole(role)] as const,
    security: [{ bearer: [] }],
    request,
    responses: { 200: ok('The campaign'), ...errs, 409: problemResponse('Conflicts with the campaign’s state (e.g. nothing to roll back to)') },
  });

export const campaignsRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'post',
      path: '/v1/campaigns',
      operationId: 'createCampaign',
      summary: 'Create a campaign with its first strategy version (admin)',
      tags: ['campaigns'],
      middleware: [requireRole('admin')] as const,
      security: [{ bearer: [] }],
      request: {
        body: json(
          z
            .strictObject({
              id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes').optional(),
              name: z.string().min(1).max(200),
              industry: industry.optional(),
              strategy: z.record(z.string(), z.unknown()).optional().describe('A strategy object; omitted fields take their defaults'),
            })
            .openapi('NewCampaign'),
        ),
      },
      responses: { 201: ok('Created'), ...errs, 409: problemResponse('A campaign with this id exists') },
    }),
    async (c) => {
      const { db } = c.var.deps;
      const body = c.req.valid('json');
      const strategy = parseStrategy(body.strategy);
      const id = body.id ?? (body.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 50) || 'campaign');
      if (await campaignWithVersions(db, id)) throw new ApiError(409, ErrorCode.conflict, `A campaign "${id}" exists; add a strategy version with POST /v1/campaigns/${id}/strategy.`);
      await ensureCampaign(db, { id, name: body.name, industry: body.industry ?? null, strategy, createdBy: c.var.principal.keyId });
      const view = await load(c, id);
      await audit(db, { actor: c.var.principal.keyId, action: 'campaign.create', target: id, after: view });
      return c.json(view, 201);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/v1/campaigns',
      operationId: 'listCampaigns',
      summary: 'All campaigns',
      tags: ['campaigns'],
      middleware: [requireRole('viewer')] as const,
      security: [{ bearer: [] }],
      responses: { 200: { description: 'Campaigns', content: { 'application/json': { schema: z.object({ campaigns: z.array(campaignView) }) } } }, ...errs },
    }),
    async (c) => {
      const rows = await c.var.deps.db.select({ id: campaigns.id }).from(campaigns).orderBy(campaigns.id);
      return c.json({ campaigns: await Promise.all(rows.map((r) => load(c, r.id))) }, 200);
    },
  )
  .openapi(route('get', '/v1/campaigns/{id}', 'getCampaign', 'A campaign with its active strategy and versions', 'viewer', { params: idParam }), async (c) =>
    c.json(await load(c, c.req.valid('param').id), 200),
  )
  .openapi(
    route('post', '/v1/campaigns/{id}/strategy', 'addStrategyVersion', 'Add a strategy version, active at once unless activate is false (admin)', 'admin', {
      params: idParam,
      body: json(z.strictObject({ strategy: z.record(z.string(), z.unknown()), activate: z.boolean().default(true) }).openapi('NewStrategyVersion')),
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const before = await load(c, id);
      const version = await addStrategyVersion(c.var.deps.db, id, parseStrategy(body.strategy), c.var.principal.keyId, body.activate);
      const after = await load(c, id);
      await audit(c.var.deps.db, { actor: c.var.principal.keyId, action: 'strategy.add', target: `${id}@${version}`, before: { activeStrategyVersion: before.activeStrategyVersion }, after: { version, activeStrategyVersion: after.activeStrategyVersion } });
      return c.json(after, 200);
    },
  )
  .openapi(
    route('post', '/v1/campaigns/{id}/strategy/{version}/activate', 'activateStrategyVersion', 'Activate a strategy version (admin)', 'admin', {
      params: idParam.extend({ version: z.coerce.number().int().min(1).openapi({ param: { name: 'version', in: 'path' } }) }),
    }),
    async (c) => {
      const { id, version } = c.req.valid('param');
      const before = await load(c, id);
      if (!(await activateVersion(c.var.deps.db, id, version))) throw new ApiError(404, ErrorCode.notFound, `Campaign "${id}" has no strategy version ${version}.`);
      await audit(c.var.deps.db, { actor: c.var.principal.keyId, action: 'strategy.activate', target: id, before: { activeStrategyVersion: before.activeStrategyVersion }, after: { activeStrategyVersion: version } });
      return c.json(await load(c, id), 200);
    },
  )
  .openapi(route('post', '/v1/campaigns/{id}/strategy/rollback', 'rollbackStrategy', 'Activate the version before the active one (admin)', 'admin', { params: idParam }), async (c) => {
    const { id } = c.req.valid('param');
    const before = await load(c, id);
    const prev = await previousVersion(c.var.deps.db, id);
    if (prev === null) throw new ApiError(409, ErrorCode.conflict, `Campaign "${id}" is at its first strategy version; there is nothing to roll back to.`);
    await activateVersion(c.var.deps.db, id, prev);
    await audit(c.var.deps.db, { actor: c.var.principal.keyId, action: 'strategy.rollback', target: id, before: { activeStrategyVersion: before.activeStrategyVersion }, after: { activeStrategyVersion: prev } });
    return c.json(await load(c, id), 200);
  })
  .openapi(
    createRoute({
      method: 'patch',
      path: '/v1/campaigns/{id}',
      operationId: 'updateCampaign',
      summary: 'Change a campaign’s name or its own CPS cap (admin); the next call is paced by it',
      tags: ['campaigns'],
      middleware: [requireRole('admin')] as const,
      security: [{ bearer: [] }],
      request: {
        params: idParam,
        body: json(
          z
            .strictObject({ name: z.string().min(1).max(200).optional(), cps: z.number().int().min(1).max(1000).nullable().optional() })
            .refine((b) => b.name !== undefined || b.cps !== undefined, 'give name or cps')
            .openapi('CampaignChange'),
        ),
      },
      responses: { 200: ok('The campaign'), ...errs },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const before = await load(c, id);
      await c.var.deps.db
        .update(campaigns)
        .set({ ...(body.name !== undefined ? { name: body.name } : {}), ...(body.cps !== undefined ? { cps: body.cps } : {}) })
        .where(eq(campaigns.id, id));
      const after = await load(c, id);
      await audit(c.var.deps.db, { actor: c.var.principal.keyId, action: 'campaign.update', target: id, before: { name: before.name, cps: before.cps }, after: { name: after.name, cps: after.cps } });
      return c.json(after, 200);
    },
  )
  .openapi(route('post', '/v1/campaigns/{id}/pause', 'pauseCampaign', 'Pause every cadence of a campaign at its next attempt (idempotent)', 'operator', { params: idParam }), (c) =>
    setStatus(c, c.req.valid('param').id, 'paused'),
  )
  .openapi(route('post', '/v1/campaigns/{id}/resume', 'resumeCampaign', 'Resume a paused campaign (idempotent)', 'operator', { params: idParam }), (c) =>
    setStatus(c, c.req.valid('param').id, 'active'),
  )
  .openapi(
    route('post', '/v1/campaigns/{id}/cancel', 'cancelCampaign', 'Cancel a campaign: every cadence ends its follow-up for it, now (final, idempotent)', 'operator', { params: idParam }),
    (c) => setStatus(c, c.req.valid('param').id, 'cancelled'),
  );
