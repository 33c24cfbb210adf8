/**
 * Issue 14.4, lines never all closed, on the real system (API, Temporal, PostgreSQL, the twilio
 * client and the simulator): the daily routine's close moves a tier's calls to the next tier,
 * tells ops, and is probed and undone after its cool-down on clean probes; an admin's close stays
 * until an admin opens it; the routine never closes the last line in service and an admin never
 * the last open one. Every close and reopen is audited with who did it.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { createActivities } from '../activities';
import { createCarrier } from '../activities/carrier';
import { testKeyring, uid } from './helpers/env';
import { eventually, useSystem } from './helpers/system';
import { afternoonZone } from './helpers/zones';

const COOL_DOWN_MS = 6_000;

describe('closing lines', () => {
  const sys = useSystem({ failover: { minSamples: 5, probeEveryMs: 300, probesToRecover: 3, closedCoolDownMs: COOL_DOWN_MS } });
  const acts = () =>
    createActivities({ keyring: testKeyring(), db: sys.db, carrier: createCarrier({ keyring: testKeyring(), apiBaseUrl: sys.simUrl }), clock: () => Date.now(), publicUrl: sys.apiUrl, temporal: sys.temporal, taskQueue: sys.taskQueue, maintenance: sys.maintenance });

  let next = 0;
  /** Real calls through the API; the numbers end in 7: answered, listened to, completed. */
  const call = async (n: number, opts: { gapMs?: number; tags?: string[] } = {}) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const phone = `+1408556${String(next++).padStart(3, '0')}7`;
      const res = await sys.call('POST', '/v1/events', { type: 'lead.created', phone, contact: { timeZone: afternoonZone(), ...(opts.tags ? { tags: opts.tags } : {}) } });
      assert.equal(res.status, 202, await res.clone().text());
      ids.push(((await res.json()) as { contactId: string }).contactId);
      if (opts.gapMs) await new Promise((r) => setTimeout(r, opts.gapMs));
    }
    return ids;
  };
  const lineOf = async (id: string) => (await sys.sql`select state, closed_by from lines where id = ${id}`)[0]!;
  const linesOfCalls = async (contactIds: string[]) =>
    (await sys.sql`select line_id from attempts where contact_id = any(${contactIds}::uuid[]) and line_id is not null`).map((r) => r.line_id as string);
  /** A day of real calls on `lineId` that the network did not put through (SIP 480): connect rate 0, no carrier failure. */
  const seedWeakDay = async (lineId: string) => {
    const [c] = await sys.sql`insert into contacts (tenant, phone, time_zone) values (${sys.tenant}, ${`+1415555${String(next++).padStart(4, '0')}`}, 'UTC') returning id`;
    for (let i = 0; i < 25; i++) {
      await sys.sql`insert into attempts (idempotency_key, contact_id, campaign_id, workflow_id, channel, strategy_version, local_day, line_id, provider_sid, status, outcome, sip_response_code, reserved_at, ended_at)
        values (${`seed#${uid()}`}, ${c!.id}, 'default', 'seed', 'call', 1, to_char(now(), 'YYYY-MM-DD'), ${lineId}, ${`CAseed${uid()}`}, 'failed', 'unreachable', 480, now() - interval '2 hours', now() - interval '2 hours')`;
    }
  };
  const audits = async (action: string, target: string) => sys.sql`select actor, before, after from audit_log where action = ${action} and target = ${target} order by id`;
  const alerts = async (kind: string) => sys.sql`select severity, message, detail from alerts where kind = ${kind} order by id`;

  beforeEach(async () => {
    await sys.sql`delete from attempts where workflow_id = 'seed'`;
    await sys.sql`update lines set state = 'active', closed_by = null, last_probe_at = null`;
    await sys.sql`delete from alerts`;
  });

  test('the routine closes a weak line: its tier’s calls go to the next tier, ops hear of it, and clean probes after the cool-down reopen it', async () => {
    await seedWeakDay('sim-standard');
    const check = await acts().closeWeakLines();
    assert.equal(check.status, 'attention', check.summary);
    const closedAt = new Date((await sys.sql`select state_changed_at from lines where id = 'sim-standard'`)[0]!.state_changed_at as string).getTime();
    assert.deepEqual({ ...(await lineOf('sim-standard')) }, { state: 'closed', closed_by: 'routine' });
    const [close] = await audits('line.close', 'sim-standard');
    assert.equal(close!.actor, 'maintenance');
    assert.deepEqual([(close!.after as { closedBy: string }).closedBy, (close!.after as { trafficTo: string }).trafficTo], ['routine', 'sim-backup']);
    // the standard tier has no line in service: ops are told where its calls go
    const [empty] = await alerts('line-tier-empty');
    assert.ok(empty, 'an alert for the tier left without a line');
    assert.match(empty!.message as string, /Tier standard has no line in service.*sim-standard.*sim-backup/);

    // during the cool-down, standard calls go to the next tier (backup), none to the closed line
    const during = await call(3);
    await eventually(async () => (await linesOfCalls(during)).length === 3, 30_000, 'the calls during the cool-down');
    const inCoolDown = await sys.sql`select line_id from attempts where contact_id = any(${during}::uuid[]) and reserved_at < ${new Date(closedAt + COOL_DOWN_MS).toISOString()}`;
    assert.ok(inCoolDown.length >= 1, 'calls were placed during the cool-down');
    assert.deepEqual([...new Set(inCoolDown.map((r) => r.line_id))], ['sim-backup']);

    // after it, the closed line takes probes and comes back on three clean ones
    await new Promise((r) => setTimeout(r, Math.max(0, closedAt + COOL_DOWN_MS - Date.now())));
    await call(30, { gapMs: 150 });
    await eventually(async () => (await lineOf('sim-standard')).state === 'active', 60_000, 'sim-standard to be reopened');
    assert.equal((await lineOf('sim-standard')).closed_by, null);
    const [reopen] = await audits('line.reopen', 'sim-standard');
    assert.deepEqual([reopen!.actor, (reopen!.before as { closedBy: string }).closedBy], ['line-selection', 'routine']);
    assert.equal((await alerts('line-reopened')).length, 1);
  });

  test('an admin’s close stays closed (no probe, however long) until an admin opens it; its tier’s calls go to the next tier', async () => {
    const res = await sys.call('PATCH', '/v1/lines/sim-premium', { state: 'closed' });
    assert.equal(res.status, 200, await res.clone().text());
    assert.deepEqual([((await res.json()) as { closedBy: string }).closedBy], ['admin']);
    const [close] = await audits('line.close', 'sim-premium');
    assert.ok(close && close.actor !== 'maintenance', 'the admin key closed it');
    assert.equal((await alerts('line-tier-empty')).length, 1, 'premium is left without a line: ops are told');

    await new Promise((r) => setTimeout(r, COOL_DOWN_MS + 500));
    const vip = await call(6, { tags: ['high-value'], gapMs: 350 });
    await eventually(async () => (await linesOfCalls(vip)).length === 6, 30_000, 'the high-value calls');
    assert.ok((await linesOfCalls(vip)).every((l) => l === 'sim-standard'), `premium calls go to the next tier: ${(await linesOfCalls(vip)).join(', ')}`);
    assert.deepEqual({ ...(await lineOf('sim-premium')) }, { state: 'closed', closed_by: 'admin' });

    const open = await sys.call('PATCH', '/v1/lines/sim-premium', { state: 'active' });
    assert.equal(open.status, 200);
    assert.deepEqual({ ...(await lineOf('sim-premium')) }, { state: 'active', closed_by: null });
    assert.equal((await audits('line.reopen', 'sim-premium')).length, 1);
  });

  test('the routine never closes the last line in service (it alerts instead), and an admin never closes the last open line', async () => {
    for (const id of ['sim-premium', 'sim-backup']) assert.equal((await sys.call('PATCH', `/v1/lines/${id}`, { state: 'closed' })).status, 200);
    await seedWeakDay('sim-standard');
    const closesBefore = (await audits('line.close', 'sim-standard')).length;
    const check = await acts().closeWeakLines();
    assert.equal(check.status, 'attention');
    assert.match(check.summary, /left open: the last in service/);
    assert.equal((await lineOf('sim-standard')).state, 'active', 'the last line in service stays open');
    assert.equal((await audits('line.close', 'sim-standard')).length, closesBefore);
    const [kept] = await alerts('line-last-open');
    assert.equal(kept?.severity, 'critical');

    const refused = await sys.call('PATCH', '/v1/lines/sim-standard', { state: 'closed' });
    assert.equal(refused.status, 409);
    assert.equal(refused.headers.get('content-type'), 'application/problem+json');
    assert.equal(((await refused.json()) as { code: string }).code, 'conflict');
    assert.equal((await lineOf('sim-standard')).state, 'active');
  });
});
