/**
 * Industry presets (services/presets.ts): what each one sets and why, and each industry's
 * maintenance checklist with the routines' latest results and the last three stress tests.
 * A campaign starts from one with POST /v1/campaigns {"preset": …}.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { PRESET_INDUSTRIES } from '../../domain/presets';
import { listPresets, presetChecklist } from '../../services/presets';
import type { AppEnv } from '../context';
import { apiRoute, jsonResponse } from './define';

const routine = z.enum(['daily', 'weekly', 'monthly', 'on-demand']);
const checklistItem = z.object({ routine, check: z.string().describe('The maintenance check’s name in GET /v1/maintenance/runs'), what: z.string() });
const presetView = z
  .object({
    industry: z.enum(PRESET_INDUSTRIES),
    version: z.number().int(),
    title: z.string(),
    description: z.string(),
    override: z.array(z.string()).describe('Strategy fields a business is expected to override (its own links and wording)'),
    rules: z.array(z.object({ routine: z.string(), rule: z.string() })).describe('The industry’s rules, checked on its campaigns by the routine named'),
    checklist: z.array(checklistItem),
    strategy: z.record(z.string(), z.unknown()).describe('The full strategy a campaign created from the preset starts with'),
  })
  .openapi('Preset');
const outcome = z.object({
  runId: z.number().int(),
  routine: z.string(),
  finishedAt: z.string(),
  status: z.enum(['ok', 'attention', 'failed', 'skipped']),
  summary: z.string(),
  findings: z.array(z.unknown()).optional().describe('The playbook check: this industry’s findings'),
});
const checklistView = z
  .object({
    industry: z.enum(PRESET_INDUSTRIES),
    presetVersion: z.number().int(),
    items: z.array(checklistItem.extend({ last: outcome.nullable() })),
    stressTests: z.array(outcome.extend({ detail: z.unknown() })).describe('The last three stress tests (monthly or on demand), newest first'),
  })
  .openapi('PresetChecklist');

export const presetsRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    apiRoute('presets', 'viewer', {
      method: 'get',
      path: '/v1/presets',
      operationId: 'listPresets',
      summary: 'The industry presets: versioned strategies with each industry’s rules and checklist',
      responses: { 200: jsonResponse('Presets', z.object({ presets: z.array(presetView) })) },
    }),
    (c) => c.json({ presets: listPresets() }, 200),
  )
  .openapi(
    apiRoute('presets', 'viewer', {
      method: 'get',
      path: '/v1/presets/{industry}/checklist',
      operationId: 'getPresetChecklist',
      summary: 'An industry’s maintenance checklist: the latest result of each check, and the last three stress tests',
      request: { params: z.object({ industry: z.enum(PRESET_INDUSTRIES).openapi({ param: { name: 'industry', in: 'path' } }) }) },
      responses: { 200: jsonResponse('The checklist', checklistView) },
    }),
    async (c) => c.json(await presetChecklist(c.var.deps, c.req.valid('param').industry), 200),
  );
