/**
 * Lockdown, the data-leak playbook (services/lockdown.ts): engage it with a reason, see it, release
 * it; and the scope report of a leak — which keys read or exported which contacts, when.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { accessScope, engageLockdown, lockdownState, releaseLockdown } from '../../services/lockdown';
import type { AppEnv } from '../context';
import { ApiError, ErrorCode, problemResponse } from '../errors';
import { apiRoute, jsonBody, jsonResponse } from './define';

const stateFields = {
  locked: z.boolean(),
  lockdown: z
    .object({
      id: z.uuid(),
      reason: z.string().nullable().describe('null for keys other than admin'),
      pauseDialling: z.boolean().describe('the compliance gate refuses new attempts (reason `lockdown`); cadences wait for the release'),
      engagedBy: z.string().nullable().describe('the admin key; null for keys other than admin'),
      engagedAt: z.string(),
      releasedBy: z.string().nullable(),
      releasedAt: z.string().nullable(),
    })
    .nullable()
    .describe('The lockdown in force, else the last one released, else null'),
  queuedDeliveries: z.number().int().describe('outbound deliveries (ops webhook) waiting in the outbox: held by the lockdown, or retrying'),
};
const stateView = z.object(stateFields).openapi('Lockdown');

const scopeEntry = z.object({
  at: z.string(),
  keyId: z.string(),
  keyName: z.string().nullable(),
  role: z.string().nullable(),
  action: z.string().describe('contact.read | export.attempts'),
  rows: z.number().int(),
  contacts: z.number().int().describe('distinct contacts in the rows read'),
  contactIds: z.array(z.uuid()).nullable().describe('null when an export named more than 10,000 contacts: the filter says which'),
  filter: z.unknown().nullable(),
});
const scopeView = z
  .object({
    from: z.string(),
    to: z.string(),
    total: z.number().int().describe('reads in the window'),
    truncated: z.boolean().describe('entries lists the first 5,000 reads only'),
    keys: z.array(
      z.object({
        keyId: z.string(),
        keyName: z.string().nullable(),
        role: z.string().nullable(),
        actions: z.array(z.string()),
        reads: z.number().int(),
        exports: z.number().int(),
        rows: z.number().int(),
        contacts: z.number().int().describe('distinct contacts named, plus those of exports too large to name'),
        contactIds: z.array(z.uuid()),
      }),
    ),
    entries: z.array(scopeEntry),
  })
  .openapi('AccessScope');

export const lockdownRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    apiRoute(
      'lockdown',
      'viewer',
      {
        method: 'get',
        path: '/v1/lockdown',
        operationId: 'getLockdown',
        summary: 'Whether a lockdown is in force (open to every key, also during one; the reason and who engaged it for admin keys only)',
        responses: { 200: jsonResponse('The state', stateView) },
      },
      { lockdown: 'open' },
    ),
    async (c) => c.json(await lockdownState(c.var.deps, { full: c.var.principal.role === 'admin' }), 200),
  )
  .openapi(
    apiRoute('lockdown', 'admin', {
      method: 'post',
      path: '/v1/lockdown',
      operationId: 'engageLockdown',
      summary:
        'Engage a lockdown (admin), the data-leak playbook: exports and bulk reads of personal data answer 423; keys other than admin are suspended (403 key_suspended) except event ingestion and opt-outs; the ops webhook queues; with pauseDialling the gate holds new attempts. Again while one is in force: changes its reason and pauseDialling. Audited.',
      request: {
        body: jsonBody(
          z
            .strictObject({
              reason: z.string().trim().min(3).max(2000).describe('why: it is kept in the audit log'),
              pauseDialling: z.boolean().default(false).describe('true: no new call or SMS attempt until the release (cadences wait; nothing is lost)'),
            })
            .openapi('LockdownRequest'),
        ),
      },
      responses: {
        200: jsonResponse('The lockdown in force (engaged: false when it was already and has been changed)', stateView.extend({ engaged: z.boolean() })),
        409: problemResponse('Another admin engaged one at the same moment'),
      },
    }),
    async (c) => c.json(await engageLockdown(c.var.deps, { ...c.req.valid('json'), actor: c.var.principal.keyId }), 200),
  )
  .openapi(
    apiRoute('lockdown', 'admin', {
      method: 'delete',
      path: '/v1/lockdown',
      operationId: 'releaseLockdown',
      summary: 'Release the lockdown (admin): keys, exports and dialling resume; queued webhook deliveries go out in order. Idempotent (released: false when none was in force). Audited.',
      responses: { 200: jsonResponse('The state after the release', stateView.extend({ released: z.boolean() })) },
    }),
    async (c) => c.json(await releaseLockdown(c.var.deps, { actor: c.var.principal.keyId }), 200),
  )
  .openapi(
    apiRoute('lockdown', 'admin', {
      method: 'get',
      path: '/v1/audit/exports',
      operationId: 'getAccessScope',
      summary: 'The scope of a leak (admin): which API keys read or exported which contacts in [from, to) — contact reads and exports, per key and entry by entry. Ingestion is not a read.',
      request: {
        query: z.object({
          from: z.iso.datetime({ offset: true }).optional().describe('inclusive; default 7 days before `to`'),
          to: z.iso.datetime({ offset: true }).optional().describe('exclusive; default now'),
        }),
      },
      responses: { 200: jsonResponse('Who read what', scopeView) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const to = q.to ? new Date(q.to) : new Date();
      const from = q.from ? new Date(q.from) : new Date(to.getTime() - 7 * 86_400_000);
      if (from >= to) throw new ApiError(400, ErrorCode.validation, '`from` must be before `to`.');
      return c.json(await accessScope(c.var.deps, { from, to, actor: c.var.principal.keyId }), 200);
    },
  );
