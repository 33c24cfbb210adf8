/**
 * The role matrix, from ONE table: every operation in the published spec × no key, viewer,
 * operator, admin — first as usual, then during a lockdown. Allowed means anything but 401/403
 * (and 423, and a 5xx); refused means exactly 403 (401 without a key). During a lockdown keys
 * other than admin are refused 403 `key_suspended` everywhere but the `open` operations, and the
 * `bulk` ones (exports, bulk reads of personal data) answer 423 `lockdown` to admin keys too.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { upsertContact } from '../db/queries/contacts';
import { startApi, type Api, type Role } from './helpers/api';

type Least = Role | 'public';
/** [least role, what a lockdown does]: suspended (default) | open (non-admin keys keep it) | bulk (423 for every key) */
type During = 'suspended' | 'open' | 'bulk';

/**
 * admin = strategies, lines, keys, exports, DNC removal, lockdown, and the destructive or
 * safety-relevant actions: cancelling a campaign (final), the schedules (backup, watchdog,
 * stress test, also on demand), releasing an incident's hold; operator = imports, events, enrol,
 * pause/resume, opt-out, freezing an incident's automation, the sensitive-word lists, a strategy dry run; viewer = reads.
 */
const matrix: Record<string, [Least, During?]> = {
  getHealth: ['public'],
  postEvent: ['operator', 'open'],
  getEvent: ['viewer', 'open'],
  importContacts: ['operator'],
  getContact: ['viewer'],
  lookupContact: ['operator'],
  optOutContact: ['operator', 'open'],
  removeFromDnc: ['admin'],
  pauseContact: ['operator'],
  resumeContact: ['operator'],
  cancelContact: ['operator'],
  listLines: ['viewer'],
  createLine: ['admin'],
  getLineHealth: ['viewer'],
  updateLine: ['admin'],
  createCampaign: ['admin'],
  listCampaigns: ['viewer'],
  getCampaign: ['viewer'],
  addStrategyVersion: ['admin'],
  activateStrategyVersion: ['admin'],
  rollbackStrategy: ['admin'],
  pauseCampaign: ['operator'],
  resumeCampaign: ['operator'],
  cancelCampaign: ['admin'],
  updateCampaign: ['admin'],
  getImport: ['viewer'],
  listSchedules: ['viewer'],
  triggerSchedule: ['admin'],
  pauseSchedule: ['admin'],
  unpauseSchedule: ['admin'],
  listMaintenanceRuns: ['viewer', 'bulk'],
  listIncidents: ['viewer'],
  getIncident: ['viewer'],
  resumeIncident: ['admin'],
  abortIncident: ['operator'],
  listAlerts: ['viewer'],
  getSummaryReport: ['viewer'],
  exportAttempts: ['admin', 'bulk'],
  createApiKey: ['admin'],
  listApiKeys: ['admin'],
  revokeApiKey: ['admin'],
  getLockdown: ['viewer', 'open'],
  engageLockdown: ['admin'],
  releaseLockdown: ['admin'],
  getAccessScope: ['admin'],
  listHandoffs: ['operator'],
  completeHandoff: ['operator'],
  getOptOutSafeMode: ['viewer'],
  getMetrics: ['viewer', 'open'],
  resumeOptOutPath: ['operator'],
  runStressTest: ['admin'],
  listPresets: ['viewer'],
  getPresetChecklist: ['viewer'],
  listSensitiveWords: ['viewer'],
  addSensitiveWord: ['operator'],
  removeSensitiveWord: ['operator'],
  classifyIntents: ['operator'],
  setCrmEndpoint: ['admin'],
  getCrmEndpoint: ['viewer'],
  listDeliveries: ['viewer'],
  getDelivery: ['operator'],
  replayDelivery: ['operator'],
  getContactTimeline: ['viewer'],
  getSummaryReportCsv: ['viewer'],
  setScriptMode: ['operator'],
  dryRunStrategy: ['operator'],
};
const rank = { public: -1, viewer: 0, operator: 1, admin: 2 };

const bodies: Record<string, unknown> = {
  postEvent: { type: 'lead.created', phone: '+8613800138999' },
  createLine: { id: 'x-line', accountSid: `AC${'9'.repeat(32)}`, authToken: 'token-123456', fromNumber: '+15005550199', tier: 'backup', cps: 5 },
  updateLine: { cps: 40 },
  updateCampaign: { cps: 20 },
  createCampaign: { name: 'Roles' },
  addStrategyVersion: { strategy: {} },
  createApiKey: { name: 'ci', role: 'viewer' },
  engageLockdown: { reason: 'role matrix' },
  resumeOptOutPath: { reason: 'role matrix: nothing to resume' },
  runStressTest: { callsPerHour: 10, seconds: 1 },
  addSensitiveWord: { scope: 'general', word: 'role matrix word', category: 'abusive' },
  dryRunStrategy: { strategy: {}, days: 1 },
};

describe('role matrix', () => {
  let api: Api;
  let contactId = '';
  let ops: Array<{ method: string; path: string; id: string }> = [];
  before(async () => {
    api = await startApi({ tenant: 't-roles', taskQueue: 'roles-unpolled' });
    contactId = (await upsertContact(api.db, { tenant: 't-roles', phone: '+8613800138999', timeZone: 'Asia/Shanghai' }, true)).id;
    const spec = (await (await api.app.request('/openapi.json')).json()) as { paths: Record<string, Record<string, { operationId: string }>> };
    ops = Object.entries(spec.paths).flatMap(([p, ms]) => Object.entries(ms).map(([m, op]) => ({ method: m.toUpperCase(), path: p, id: op.operationId })));
  });
  after(async () => {
    await api?.close();
  });

  const lockdown = async (on: boolean) => {
    const res = on ? await api.req('admin', 'POST', '/v1/lockdown', { reason: 'role matrix' }) : await api.req('admin', 'DELETE', '/v1/lockdown');
    assert.equal(res.status, 200, await res.text());
  };

  /** Every operation × every caller; `check` says what the answer must be. */
  async function run(check: (op: string, who: 'none' | Role, status: number, code: string | undefined) => string | null, afterCall: (op: string, who: 'none' | Role, status: number) => Promise<void>) {
    const failures: string[] = [];
    for (const op of ops) {
      const path = op.path
        .replace('{id}', op.path.startsWith('/v1/lines') ? 'sim-backup' : op.path.startsWith('/v1/campaigns') ? 'default' : op.path.startsWith('/v1/keys') ? 'key_none' : contactId)
        .replace('{version}', '1')
        .replace('{name}', 'maintenance-daily')
        .replace('{industry}', 'finance');
      for (const who of ['none', 'viewer', 'operator', 'admin'] as const) {
        const body = op.id === 'importContacts' ? 'phone\n+8613800138998' : bodies[op.id] === undefined ? undefined : JSON.stringify(bodies[op.id]);
        const res = await api.app.request(path, {
          method: op.method,
          headers: { ...(who !== 'none' ? { authorization: `Bearer ${api.keys[who]}` } : {}), ...(body ? { 'content-type': op.id === 'importContacts' ? 'text/csv' : 'application/json' } : {}) },
          body,
        });
        const text = await res.text();
        const code = res.headers.get('content-type')?.includes('problem+json') ? (JSON.parse(text) as { code: string }).code : undefined;
        const wrong = check(op.id, who, res.status, code);
        if (wrong) failures.push(`${who} ${op.method} ${op.path} → ${res.status} ${code ?? ''} (${wrong})`);
        await afterCall(op.id, who, res.status);
      }
    }
    assert.deepEqual(failures, []);
  }

  const allowedByRole = (op: string, who: 'none' | Role) => {
    const need = matrix[op]![0];
    return need === 'public' || (who !== 'none' && rank[who] >= rank[need]);
  };

  test('the table covers every published operation', () => {
    assert.deepEqual(ops.map((o) => o.id).sort(), Object.keys(matrix).sort());
  });

  test('each role can do exactly what its row says', async () => {
    await run(
      (op, who, status) => {
        if (allowedByRole(op, who)) return status !== 401 && status !== 403 && status < 500 ? null : 'should be allowed';
        return status === (who === 'none' ? 401 : 403) ? null : 'should be refused';
      },
      // the matrix engages a lockdown as it goes: release it before the next call
      async (op, who, status) => {
        if (op === 'engageLockdown' && status === 200) await lockdown(false);
      },
    );
  });

  test('during a lockdown: other keys suspended but ingestion and opt-out, bulk reads closed to all', async () => {
    await lockdown(true);
    try {
      await run(
        (op, who, status, code) => {
          const [need, during = 'suspended'] = matrix[op]!;
          if (!allowedByRole(op, who)) return status === (who === 'none' ? 401 : 403) ? null : 'should be refused by role';
          if (need === 'public') return status < 400 || status === 503 ? null : 'public';
          if (during === 'bulk' && who === 'admin') return status === 423 && code === 'lockdown' ? null : 'should be 423 lockdown';
          if (who === 'admin' || during === 'open') return status !== 401 && status !== 403 && status !== 423 && status < 500 ? null : 'should be allowed';
          return status === 403 && code === 'key_suspended' ? null : 'should be suspended';
        },
        // releasing is in the matrix too: engage again before the next call
        async (op, who, status) => {
          if (op === 'releaseLockdown' && status === 200) await lockdown(true);
        },
      );
    } finally {
      await lockdown(false);
    }
    // the refusals are audited (once per key and route), none of them with a phone number
    const refused = await api.sql`select actor, after from audit_log where action = 'lockdown.refused'`;
    assert.ok(refused.length >= 20, `refusals audited: ${refused.length}`);
    assert.ok(!JSON.stringify(refused).includes('8613800138999'));
  });
});
