/**
 * Incident automation on the real system: the simulator's connect rate is driven down, the
 * watchdog opens an incident, the campaign's CPS is lowered, and after the watch window the
 * strategy is rolled back — every step on the incident's timeline. Then the carrier API fails:
 * cadences are held (nothing lost), ops hear of it, and the hold lifts when probes pass. What the
 * carrier causes is the carrier's incident: lines first, then the pace, then the strategy.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { simulatorLines } from '../sim/defaults';
import { connectRateIncident, watchdog } from '../workflows/incidents';
import { uid } from './helpers/env';
import { eventually, opsWebhook, startSystem, type System } from './helpers/system';
import { afternoonZone } from './helpers/zones';

type Incident = { id: string; kind: string; subject: string; status: string; timeline: Array<{ step: string; detail?: unknown }> };

describe('incidents', () => {
  let sys: System;
  let ops: Awaited<ReturnType<typeof opsWebhook>>;
  const campaign = `inc-${uid()}`;

  before(async () => {
    ops = await opsWebhook();
    sys = await startSystem({
      opsWebhookUrl: ops.url,
      incidentPolicy: { windowMs: 10 * 60_000, minCalls: 8, watchMs: 4_000, checkEveryMs: 1_000, escalationWindowMs: 10 * 60_000, carrierFailureRate: 0.3, probeEveryMs: 500, probesToHeal: 2 },
    });
  });
  after(async () => {
    await sys?.stop();
    await ops?.close();
  });

  const runWatchdog = () => sys.temporal.workflow.execute(watchdog, { workflowId: `watchdog-${uid()}`, taskQueue: sys.taskQueue, args: [{ policy: sys.policy }] });
  const incidents = async () => ((await (await sys.call('GET', '/v1/incidents')).json()) as { incidents: Incident[] }).incidents;
  const events = async (n: number, offset: number) => {
    const res = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        sys.call('POST', '/v1/events', { type: 'lead.created', phone: `+1415556${String(offset + i).padStart(3, '0')}7`, campaignId: campaign, contact: { timeZone: afternoonZone() } }),
      ),
    );
    assert.deepEqual(res.map((r) => r.status), res.map(() => 202));
  };

  test('connect rate under 80%: CPS lowered 50 → 30, watched, then the strategy rolled back', async () => {
    assert.equal((await sys.call('POST', '/v1/campaigns', { id: campaign, name: 'Incident', strategy: { maxAttempts: 1 } })).status, 201);
    assert.equal((await sys.call('POST', `/v1/campaigns/${campaign}/strategy`, { strategy: { maxAttempts: 1, jitterSeconds: 0 } })).status, 200);
    // the callees' networks do not put the calls through (SIP 480): the campaign's calls, not the carrier
    for (const l of simulatorLines) sys.sim.setProfile(l.fromNumber, { unreachableRate: 1 });
    await events(10, 0);
    await eventually(async () => Number((await sys.sql`select count(*)::int as n from attempts where campaign_id = ${campaign} and ended_at is not null`)[0]!.n) >= 8, 30_000, '8 failed calls');

    assert.deepEqual(await runWatchdog(), [`incident:connect-rate:${campaign}`]);
    const opened = await eventually(async () => (await incidents()).find((i) => i.subject === campaign && i.timeline.some((t) => t.step === 'cps-lowered')), 10_000, 'the CPS step');
    assert.deepEqual(opened.timeline.find((t) => t.step === 'cps-lowered')!.detail, { from: 50, to: 30 });
    assert.equal((await sys.sql`select cps from campaigns where id = ${campaign}`)[0]!.cps, 30, 'the campaign is paced at 30 CPS');
    assert.deepEqual(await runWatchdog(), [], 'one incident per campaign at a time');

    const done = await eventually(async () => (await incidents()).find((i) => i.subject === campaign && i.status !== 'open'), 20_000, 'the watch window to end');
    assert.equal(done.status, 'rolled-back');
    assert.deepEqual(done.timeline.map((t) => t.step).filter((s) => s !== 'checked'), ['opened', 'cps-lowered', 'rolled-back']);
    assert.ok(done.timeline.some((t) => t.step === 'checked'), 'it looked while it watched');
    assert.deepEqual(done.timeline.at(-1)!.detail, { from: 2, to: 1 });
    assert.equal((await sys.sql`select active_strategy_version as v from campaigns where id = ${campaign}`)[0]!.v, 1);
    await eventually(async () => ops.received.some((h) => h.kind === 'connect-rate' && h.severity === 'critical'), 5_000, 'ops to be told of the rollback');
    assert.equal((await sys.call('POST', `/v1/incidents/${done.id}/resume`)).status, 409, 'a closed incident cannot be resumed');
    // the operator takes it from here: the CPS cap is the campaign's to set
    const patched = (await (await sys.call('PATCH', `/v1/campaigns/${campaign}`, { cps: null })).json()) as { cps: number | null };
    assert.equal(patched.cps, null);
  });

  test('carrier API failing: every cadence is held, ops are told, and the hold lifts when probes pass', async () => {
    for (const l of simulatorLines) sys.sim.setProfile(l.fromNumber, { unreachableRate: 0, apiErrorRate: 1 });
    await events(8, 100);
    await eventually(async () => Number((await sys.sql`select count(*)::int as n from attempts where status = 'carrier-failed'`)[0]!.n) >= 8, 60_000, 'carrier API failures');
    assert.ok((await runWatchdog()).includes('incident:interface:carrier'));
    const held = await eventually(async () => (await incidents()).find((i) => i.kind === 'interface' && i.status === 'open'), 10_000, 'the interface incident');
    assert.equal(held.subject, 'carrier');
    await eventually(async () => Number((await sys.sql`select count(*)::int as n from compliance_log where reason = 'interface-hold'`)[0]!.n) > 0, 40_000, 'the gate to hold a cadence');
    await eventually(async () => ops.received.some((h) => h.kind === 'interface-carrier' && h.severity === 'critical'), 5_000, 'ops to hear of the outage');
    // held, not lost: the cadences are still active, waiting
    const [one] = await sys.sql`select id from contacts where phone = '+14155561007'`;
    const view = (await (await sys.call('GET', `/v1/contacts/${one!.id}`)).json()) as { cadence: { status: string } };
    assert.equal(view.cadence.status, 'active');

    for (const l of simulatorLines) sys.sim.setProfile(l.fromNumber, { apiErrorRate: 0 });
    const healed = await eventually(async () => (await incidents()).find((i) => i.id === held.id && i.status !== 'open'), 20_000, 'the hold to lift');
    assert.equal(healed.status, 'recovered');
    assert.deepEqual(healed.timeline.map((t) => t.step), ['opened', 'probe-failed', 'probe-passed', 'healed'].filter((s) => healed.timeline.some((t) => t.step === s)));
    await eventually(async () => ops.received.some((h) => h.kind === 'interface-carrier' && h.severity === 'info'), 5_000, 'ops to hear it healed');
    // a new contact is called at once again
    const res = await sys.call('POST', '/v1/events', { type: 'lead.created', phone: '+14155569997', contact: { timeZone: afternoonZone() } });
    assert.equal(res.status, 202);
    await eventually(async () => [...sys.sim.calls.values()].find((c) => c.to === '+14155569997' && c.status === 'completed'), 30_000, 'a call after the hold');
  });

  test('CRM sync failing: an operator aborts the automation (the hold stays), then resumes', async () => {
    // the CRM keeps failing while the operator looks: the probes cannot pass on their own
    let failing = true;
    const errors = (async () => {
      while (failing) {
        await sys.sql`insert into interface_errors (interface, error) values ('crm', 'simulated: event delivery failed')`;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    try {
      await eventually(async () => Number((await sys.sql`select count(*)::int as n from interface_errors`)[0]!.n) >= sys.policy.crmErrors, 10_000, 'CRM errors');
      assert.ok((await runWatchdog()).includes('incident:interface:crm'));
      const open = await eventually(async () => (await incidents()).find((i) => i.subject === 'crm' && i.status === 'open'), 10_000, 'the CRM incident');
      assert.equal((await sys.call('POST', `/v1/incidents/${open.id}/abort`)).status, 202);
      const aborted = await eventually(async () => (await incidents()).find((i) => i.id === open.id && i.status === 'aborted'), 10_000, 'the abort');
      assert.ok(aborted.timeline.some((t) => t.step === 'aborted-by-operator'));
      failing = false;
      await errors;

      // aborted: no more probing, and the hold stays
      const res = await sys.call('POST', '/v1/events', { type: 'lead.created', phone: '+14155569987', contact: { timeZone: afternoonZone() } });
      const { contactId } = (await res.json()) as { contactId: string };
      await eventually(async () => (await sys.sql`select 1 from compliance_log where contact_id = ${contactId} and reason = 'interface-hold'`).length > 0, 20_000, 'the held contact');
      assert.equal((await incidents()).find((i) => i.id === open.id)!.status, 'aborted');

      assert.equal((await sys.call('POST', `/v1/incidents/${open.id}/resume`)).status, 202);
      const resolved = await eventually(async () => (await incidents()).find((i) => i.id === open.id && i.status === 'resolved'), 10_000, 'the resume');
      assert.equal(resolved.timeline.at(-1)!.step, 'resumed-by-operator');
      const audit = await sys.sql`select action from audit_log where target = ${open.id} order by id`;
      assert.deepEqual(audit.map((a) => a.action), ['incident.abort', 'incident.resume']);
    } finally {
      failing = false;
      await errors;
    }
  });

  test('every line failing at the API: an interface incident, never a connect-rate one before, during or after, and the strategy stays', async (t) => {
    const outage = `outage-${uid()}`;
    assert.equal((await sys.call('POST', '/v1/campaigns', { id: outage, name: 'Outage', strategy: { maxAttempts: 2 } })).status, 201);
    assert.equal((await sys.call('POST', `/v1/campaigns/${outage}/strategy`, { strategy: { maxAttempts: 2, jitterSeconds: 0 } })).status, 200);
    // the watchdog looks every minute in production; here every second, so nothing slips between looks
    const started: string[] = [];
    let looks = 0;
    let watching = true;
    const watch = (async () => {
      while (watching) {
        started.push(...(await runWatchdog()));
        looks++;
        await new Promise((r) => setTimeout(r, 1000));
      }
    })();
    try {
      for (const l of simulatorLines) sys.sim.setProfile(l.fromNumber, { failureRate: 0, unreachableRate: 0, apiErrorRate: 1 });
      const since = Date.now();
      const res = await Promise.all(
        Array.from({ length: 25 }, (_, i) =>
          sys.call('POST', '/v1/events', { type: 'lead.created', phone: `+1415557${String(i).padStart(3, '0')}7`, campaignId: outage, contact: { timeZone: afternoonZone() } }),
        ),
      );
      assert.deepEqual(res.map((r) => r.status), res.map(() => 202));
      const held = await eventually(async () => (await incidents()).find((i) => i.kind === 'interface' && i.subject === 'carrier' && i.status === 'open'), 120_000, 'the carrier interface incident');
      t.diagnostic(`interface incident open ${((Date.now() - since) / 1000).toFixed(1)} s after the first lead`);
      assert.deepEqual(started.filter((id) => id.startsWith('incident:connect-rate:')), [], 'no connect-rate incident before the carrier one');

      for (const l of simulatorLines) sys.sim.setProfile(l.fromNumber, { apiErrorRate: 0 });
      await eventually(async () => (await incidents()).find((i) => i.id === held.id && i.status === 'recovered'), 30_000, 'the carrier to heal');
      // every lead is called once the hold lifts (a held cadence asks again within a minute)
      await eventually(
        async () => Number((await sys.sql`select count(distinct contact_id)::int as n from attempts where campaign_id = ${outage} and status = 'completed'`)[0]!.n) === 25,
        120_000,
        'every lead called after the outage',
      );
      const after = looks;
      await eventually(async () => looks >= after + 3, 30_000, 'the watchdog to look again after the outage');
    } finally {
      watching = false;
      await watch;
    }
    assert.deepEqual(started.filter((id) => id.startsWith('incident:connect-rate:')), [], 'no connect-rate incident during or after the outage');
    assert.deepEqual((await incidents()).filter((i) => i.kind === 'connect-rate' && i.subject === outage), []);
    const [c] = await sys.sql`select active_strategy_version as v, cps from campaigns where id = ${outage}`;
    assert.deepEqual([c!.v, c!.cps], [2, null], 'neither the strategy nor the pace paid for the carrier');
  });

  test('a strategy is never rolled back for what the carrier caused: a watch the carrier interrupted ends without a rollback', async () => {
    const guarded = `guard-${uid()}`;
    assert.equal((await sys.call('POST', '/v1/campaigns', { id: guarded, name: 'Guarded', strategy: { maxAttempts: 1 } })).status, 201);
    assert.equal((await sys.call('POST', `/v1/campaigns/${guarded}/strategy`, { strategy: { maxAttempts: 1, jitterSeconds: 0 } })).status, 200);
    const handle = await sys.temporal.workflow.start(connectRateIncident, {
      workflowId: `incident:connect-rate:${guarded}`,
      taskQueue: sys.taskQueue,
      // a watch long enough that the carrier's incident surely falls inside it on a loaded machine
      args: [{ campaignId: guarded, rate: 0.5, placed: 20, policy: { ...sys.policy, watchMs: 15_000 } }],
    });
    // the first check comes after the watch's start: the carrier's incident below surely falls inside the watch
    await eventually(async () => (await incidents()).find((i) => i.subject === guarded && i.timeline.some((s) => s.step === 'checked')), 10_000, 'the watch to begin');
    // while it watches, the carrier's interface fails and heals (its own incident, closed)
    await sys.sql`insert into incidents (kind, subject, workflow_id, status, timeline, opened_at, closed_at)
      values ('interface', 'carrier', ${`seed-${uid()}`}, 'recovered', '[]'::jsonb, now(), now())`;
    const result = await handle.result();
    assert.notEqual(result, 'rolled-back');
    const done = (await incidents()).find((i) => i.subject === guarded)!;
    assert.equal(done.timeline.at(-1)!.step, 'rollback-withheld');
    assert.equal((await sys.sql`select active_strategy_version as v from campaigns where id = ${guarded}`)[0]!.v, 2, 'the strategy stays');
  });
});
