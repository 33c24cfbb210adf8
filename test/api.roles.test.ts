/**
 * The role matrix, from DESIGN.md: every operation in the published spec is tried with each role
 * (and none). Allowed means anything but 401/403; refused means exactly 403 (401 without a key).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { upsertContact } from '../db/queries/contacts';
import { startApi, type Api, type Role } from './helpers/api';

/** The least role per operation: admin = strategies, lines, keys, exports, DNC removal; operator = imports, events, enrol, pause/resume/cancel, opt-out; viewer = reads. */
const least: Record<string, Role | 'public'> = {
  getHealth: 'public',
  postEvent: 'operator',
  getEvent: 'viewer',
  importContacts: 'operator',
  getContact: 'viewer',
  lookupContact: 'operator',
  optOutContact: 'operator',
  removeFromDnc: 'admin',
  pauseContact: 'operator',
  resumeContact: 'operator',
  cancelContact: 'operator',
  listLines: 'viewer',
  createLine: 'admin',
  getLineHealth: 'viewer',
  updateLine: 'admin',
  createCampaign: 'admin',
  listCampaigns: 'viewer',
  getCampaign: 'viewer',
  addStrategyVersion: 'admin',
  activateStrategyVersion: 'admin',
  rollbackStrategy: 'admin',
  pauseCampaign: 'operator',
  resumeCampaign: 'operator',
  cancelCampaign: 'operator',
  updateCampaign: 'admin',
  getImport: 'viewer',
  listSchedules: 'viewer',
  triggerSchedule: 'operator',
  pauseSchedule: 'operator',
  unpauseSchedule: 'operator',
  listMaintenanceRuns: 'viewer',
  listIncidents: 'viewer',
  getIncident: 'viewer',
  resumeIncident: 'operator',
  abortIncident: 'operator',
  listAlerts: 'viewer',
  getSummaryReport: 'viewer',
  exportAttempts: 'admin',
  createApiKey: 'admin',
  listApiKeys: 'admin',
  revokeApiKey: 'admin',
};
const rank = { public: -1, viewer: 0, operator: 1, admin: 2 };

describe('role matrix', () => {
  let api: Api;
  let contactId = '';
  before(async () => {
    api = await startApi({ tenant: 't-roles', taskQueue: 'roles-unpolled' });
    contactId = (await upsertContact(api.db, { tenant: 't-roles', phone: '+8613800138999', timeZone: 'Asia/Shanghai' }, true)).id;
  });
  after(async () => {
    await api?.close();
  });

  test('each role can do exactly what DESIGN.md says', async () => {
    const spec = (await (await api.app.request('/openapi.json')).json()) as { paths: Record<string, Record<string, { operationId: string }>> };
    const ops = Object.entries(spec.paths).flatMap(([p, ms]) => Object.entries(ms).map(([m, op]) => ({ method: m.toUpperCase(), path: p, id: op.operationId })));
    assert.deepEqual(ops.map((o) => o.id).sort(), Object.keys(least).sort(), 'the matrix covers every published operation');
    const bodies: Record<string, unknown> = {
      postEvent: { type: 'lead.created', phone: '+8613800138999' },
      createLine: { id: 'x-line', accountSid: `AC${'9'.repeat(32)}`, authToken: 'token-123456', fromNumber: '+15005550199', tier: 'backup', cps: 5 },
      updateLine: { cps: 40 },
      updateCampaign: { cps: 20 },
      createCampaign: { name: 'Roles' },
      addStrategyVersion: { strategy: {} },
      createApiKey: { name: 'ci', role: 'viewer' },
    };
    const failures: string[] = [];
    for (const op of ops) {
      const path = op.path.replace('{id}', op.path.startsWith('/v1/lines') ? 'sim-backup' : op.path.startsWith('/v1/campaigns') ? 'default' : op.path.startsWith('/v1/keys') ? 'key_none' : contactId).replace('{version}', '1').replace('{name}', 'maintenance-daily');
      for (const who of ['none', 'viewer', 'operator', 'admin'] as const) {
        const body = op.id === 'importContacts' ? 'phone\n+8613800138998' : bodies[op.id] === undefined ? undefined : JSON.stringify(bodies[op.id]);
        const res = await api.app.request(path, {
          method: op.method,
          headers: { ...(who !== 'none' ? { authorization: `Bearer ${api.keys[who]}` } : {}), ...(body ? { 'content-type': op.id === 'importContacts' ? 'text/csv' : 'application/json' } : {}) },
          body,
        });
        await res.arrayBuffer();
        const need = least[op.id]!;
        const allowed = need === 'public' || (who !== 'none' && rank[who] >= rank[need]);
        const got = res.status;
        const ok = allowed ? got !== 401 && got !== 403 && got < 500 : got === (who === 'none' ? 401 : 403);
        if (!ok) failures.push(`${who} ${op.method} ${op.path} → ${got} (${allowed ? 'should be allowed' : 'should be refused'})`);
      }
    }
    assert.deepEqual(failures, []);
  });
});
