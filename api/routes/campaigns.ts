/**
 * Campaigns and their strategies (services/campaigns.ts): create, read, add and activate strategy
 * versions, roll back, change the name or CPS cap, pause, resume, cancel.
 */
import { OpenAPIHono, z, type RouteConfig } from '@hono/zod-openapi';
import { SCRIPT_MODES } from '../../domain/script';
import { PRESET_INDUSTRIES } from '../../domain/presets';
import { INDUSTRIES, SLUG_ID, SLUG_ID_HINT } from '../../domain/vocabulary';
import { alertsOf } from '../../services/alerts';
import {
  activateStrategy,
  addStrategy,
  createCampaign,
  getCampaign,
  listCampaigns,
  rollbackStrategy,
  setCampaignStatus,
  switchScriptMode,
  updateCampaign,
} from '../../services/campaigns';
import type { AppDeps, AppEnv, Role } from '../context';
import { problemResponse } from '../errors';
import { apiRoute, jsonBody, jsonResponse } from './define';

const campaignView = z
  .object({
    id: z.string(),
    name: z.string(),
    industry: z.string().nullable(),
    status: z.enum(['active', 'paused', 'cancelled']),
    activeStrategyVersion: z.number().int(),
    cps: z.number().int().nullable().describe('The campaign’s own calls-per-second cap across lines (null: the lines’ caps only); incidents lower it'),
    scriptMode: z.enum(SCRIPT_MODES).describe('intelligent: answered calls understand speech (the strategy’s script); basic: the announcement and the key menu (a misunderstanding spike switches to it)'),
    strategy: z.record(z.string(), z.unknown()),
    versions: z.array(z.object({ version: z.number().int(), createdBy: z.string(), createdAt: z.string() })),
    deadLinks: z
      .array(z.object({ url: z.string(), path: z.string(), problem: z.string(), checkedAt: z.string() }))
      .describe('Links of the active strategy the last link check found dead (at save and daily): the campaign is flagged while there are any'),
  })
  .openapi('Campaign');
/** What saving a strategy needs: the sensitive-word screen, and the link check that alerts ops. */
const saving = (deps: AppDeps) => ({ db: deps.db, raiseAlert: alertsOf(deps), linkProbe: deps.linkProbe });
const refused = { 422: problemResponse('The strategy holds sensitive words (`sensitive_words`): each word and where in `errors`') };
const idParam = z.object({ id: z.string().min(1).max(100).openapi({ param: { name: 'id', in: 'path' } }) });
const noCampaign = { 404: problemResponse('No such campaign') };

/** A route on one campaign that answers with it. */
const onCampaign = <R extends NonNullable<RouteConfig['request']>>(method: 'get' | 'post', path: string, operationId: string, summary: string, role: Role, request: R) =>
  apiRoute('campaigns', role, {
    method,
    path,
    operationId,
    summary,
    request,
    responses: { 200: jsonResponse('The campaign', campaignView), ...noCampaign, 409: problemResponse('Conflicts with the campaign’s state (e.g. nothing to roll back to)'), ...refused },
  });

export const campaignsRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    apiRoute('campaigns', 'admin', {
      method: 'post',
      path: '/v1/campaigns',
      operationId: 'createCampaign',
      summary: 'Create a campaign with its first strategy version, from scratch or from an industry preset (admin)',
      request: {
        body: jsonBody(
          z
            .strictObject({
              id: z.string().regex(SLUG_ID, SLUG_ID_HINT).optional(),
              name: z.string().min(1).max(200),
              industry: z.enum(INDUSTRIES).optional().describe('With a preset: the preset’s industry unless given'),
              preset: z.enum(PRESET_INDUSTRIES).optional().describe('Start from this industry preset (GET /v1/presets); `strategy` overrides it field by field (objects merge, arrays and values replace)'),
              strategy: z.record(z.string(), z.unknown()).optional().describe('A strategy object; omitted fields take their defaults (or the preset’s)'),
            })
            .openapi('NewCampaign'),
        ),
      },
      responses: { 201: jsonResponse('Created', campaignView), ...noCampaign, 409: problemResponse('A campaign with this id exists'), ...refused },
    }),
    async (c) => c.json(await createCampaign(saving(c.var.deps), { ...c.req.valid('json'), actor: c.var.principal.keyId }), 201),
  )
  .openapi(
    apiRoute('campaigns', 'viewer', {
      method: 'get',
      path: '/v1/campaigns',
      operationId: 'listCampaigns',
      summary: 'All campaigns',
      responses: { 200: jsonResponse('Campaigns', z.object({ campaigns: z.array(campaignView) })), ...noCampaign },
    }),
    async (c) => c.json({ campaigns: await listCampaigns(c.var.deps) }, 200),
  )
  .openapi(onCampaign('get', '/v1/campaigns/{id}', 'getCampaign', 'A campaign with its active strategy and versions', 'viewer', { params: idParam }), async (c) =>
    c.json(await getCampaign(c.var.deps, c.req.valid('param').id), 200),
  )
  .openapi(
    onCampaign('post', '/v1/campaigns/{id}/strategy', 'addStrategyVersion', 'Add a strategy version, active at once unless activate is false (admin)', 'admin', {
      params: idParam,
      body: jsonBody(z.strictObject({ strategy: z.record(z.string(), z.unknown()), activate: z.boolean().default(true) }).openapi('NewStrategyVersion')),
    }),
    async (c) => c.json(await addStrategy(saving(c.var.deps), { campaignId: c.req.valid('param').id, ...c.req.valid('json'), actor: c.var.principal.keyId }), 200),
  )
  .openapi(
    onCampaign('post', '/v1/campaigns/{id}/strategy/{version}/activate', 'activateStrategyVersion', 'Activate a strategy version (admin)', 'admin', {
      params: idParam.extend({ version: z.coerce.number().int().min(1).openapi({ param: { name: 'version', in: 'path' } }) }),
    }),
    async (c) => {
      const { id, version } = c.req.valid('param');
      return c.json(await activateStrategy(c.var.deps, { campaignId: id, version, actor: c.var.principal.keyId }), 200);
    },
  )
  .openapi(onCampaign('post', '/v1/campaigns/{id}/strategy/rollback', 'rollbackStrategy', 'Activate the version before the active one (admin)', 'admin', { params: idParam }), async (c) => {
    const { id } = c.req.valid('param');
    await rollbackStrategy(c.var.deps, { campaignId: id, actor: c.var.principal.keyId });
    return c.json(await getCampaign(c.var.deps, id), 200);
  })
  .openapi(
    apiRoute('campaigns', 'admin', {
      method: 'patch',
      path: '/v1/campaigns/{id}',
      operationId: 'updateCampaign',
      summary: 'Change a campaign’s name or its own CPS cap (admin); the next call is paced by it',
      request: {
        params: idParam,
        body: jsonBody(
          z
            .strictObject({ name: z.string().min(1).max(200).optional(), cps: z.number().int().min(1).max(1000).nullable().optional() })
            .refine((b) => b.name !== undefined || b.cps !== undefined, 'give name or cps')
            .openapi('CampaignChange'),
        ),
      },
      responses: { 200: jsonResponse('The campaign', campaignView), ...noCampaign },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      await updateCampaign(c.var.deps, { campaignId: id, ...c.req.valid('json'), actor: c.var.principal.keyId });
      return c.json(await getCampaign(c.var.deps, id), 200);
    },
  )
  .openapi(onCampaign('post', '/v1/campaigns/{id}/pause', 'pauseCampaign', 'Pause every cadence of a campaign at its next attempt (idempotent)', 'operator', { params: idParam }), async (c) =>
    c.json(await setCampaignStatus(c.var.deps, { campaignId: c.req.valid('param').id, status: 'paused', actor: c.var.principal.keyId }), 200),
  )
  .openapi(onCampaign('post', '/v1/campaigns/{id}/resume', 'resumeCampaign', 'Resume a paused campaign (idempotent)', 'operator', { params: idParam }), async (c) =>
    c.json(await setCampaignStatus(c.var.deps, { campaignId: c.req.valid('param').id, status: 'active', actor: c.var.principal.keyId }), 200),
  )
  .openapi(
    onCampaign(
      'post',
      '/v1/campaigns/{id}/mode',
      'setScriptMode',
      'Switch the campaign’s call script between intelligent and basic (operator); back to intelligent also resolves its open script incident',
      'operator',
      {
        params: idParam,
        body: jsonBody(z.strictObject({ mode: z.enum(SCRIPT_MODES), reason: z.string().min(1).max(500).optional().describe('Kept in the audit log') }).openapi('ScriptModeChange')),
      },
    ),
    async (c) => c.json(await switchScriptMode(c.var.deps, { campaignId: c.req.valid('param').id, ...c.req.valid('json'), actor: c.var.principal.keyId }), 200),
  )
  .openapi(
    onCampaign('post', '/v1/campaigns/{id}/cancel', 'cancelCampaign', 'Cancel a campaign (admin): every cadence ends its follow-up for it, now (final, idempotent)', 'admin', { params: idParam }),
    async (c) => c.json(await setCampaignStatus(c.var.deps, { campaignId: c.req.valid('param').id, status: 'cancelled', actor: c.var.principal.keyId }), 200),
  );
