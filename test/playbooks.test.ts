/**
 * The industry playbooks on the real system (Temporal, PostgreSQL, the simulator through the
 * twilio client): the daily run flags a campaign whose links are dead (404, redirect loop,
 * timeout against a local server) and the gate holds its SMS; the monthly scan finds a phrase
 * planted in a call's spoken turns (sealed); the stress test runs on demand and the checklist shows the last
 * three runs.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CALL_TURN_TEXT } from '../services/call-script';
import { sealText } from '../services/keyring';
import { testKeyring } from './helpers/env';
import { eventually, useSystem } from './helpers/system';
import { testLinkProbe, useLinkServer } from './helpers/link-server';
import { afternoonZone } from './helpers/zones';
import { latestRun, triggerRun, type Check, type Run } from './helpers/maintenance';


describe('industry playbooks in the routines', () => {
  const sys = useSystem({ schedules: true, linkProbe: testLinkProbe, maintenance: { stressDurationMs: 3_000 } });
  const links = useLinkServer();

  const trigger = (name: string) => triggerRun(sys, name, 150_000);
  const check = (run: Run, name: string) => run.results.find((r) => r.name === name)!;

  test('daily: a dead link flags its campaign, alerts ops, and the SMS carrying it is held', async () => {
    // alive when the strategy is saved; gone by the daily run
    const page = links.url('/ok/coupon');
    const res = await sys.call('POST', '/v1/campaigns', {
      id: 'shop',
      name: 'Shop',
      preset: 'local-services',
      strategy: { sms: { text: `Your coupon: ${links.url('/gone')} Reply TD to opt out.` }, blockedWindows: [], jitterSeconds: 0, redialDelaysMinutes: [600] },
    });
    assert.equal(res.status, 201, await res.clone().text());
    assert.equal(((await res.json()) as { deadLinks: unknown[] }).deadLinks.length, 1, 'flagged at save already');
    const ok = await sys.call('POST', '/v1/campaigns', { id: 'edu', name: 'School', preset: 'education', strategy: { sms: { text: `Book: ${page} and ${links.url('/loop-a')} and ${links.url('/delay/4000')}` } } });
    assert.equal(ok.status, 201);

    // a number ending in 2 never answers: one call, then the SMS is due — and held
    const ev = await sys.call('POST', '/v1/events', { type: 'coupon.issued', phone: '+8613800138202', campaignId: 'shop', contact: { timeZone: afternoonZone() } });
    assert.equal(ev.status, 202, await ev.clone().text());
    const held = await eventually(async () => (await sys.sql`select detail from compliance_log where campaign_id = 'shop' and channel = 'sms' and reason = 'dead-link'`)[0], 60_000, 'the SMS held for its dead link');
    assert.deepEqual((held.detail as { urls: string[] }).urls, [links.url('/gone')]);
    assert.equal(sys.sim.messages.filter((m) => m.direction === 'outbound-api' && m.to === '+8613800138202').length, 0, 'no text went out');

    const run = await trigger('maintenance-daily');
    const lc = check(run, 'link-check');
    assert.equal(lc.status, 'attention', lc.summary);
    const d = lc.detail as { flagged: Array<{ campaignId: string; dead: Array<{ url: string; problem: string; chain: unknown[] }> }> };
    const byCampaign = Object.fromEntries(d.flagged.map((f) => [f.campaignId, Object.fromEntries(f.dead.map((x) => [x.url, x.problem]))]));
    assert.deepEqual(byCampaign, {
      shop: { [links.url('/gone')]: 'http 404' },
      edu: { [links.url('/loop-a')]: 'redirect loop', [links.url('/delay/4000')]: 'timeout after 1500 ms' },
    });
    const pb = check(run, 'playbook');
    assert.ok(pb, 'the daily industry rules ran');
    const alerts = await sys.sql`select message from alerts where kind = 'dead-link'`;
    assert.ok(alerts.some((a) => (a.message as string).startsWith('Campaign edu:')), 'ops hear of it');
    const camp = (await (await sys.call('GET', '/v1/campaigns/edu')).json()) as { deadLinks: Array<{ url: string }> };
    assert.equal(camp.deadLinks.length, 2, 'the campaign shows its flag');
  });

  test('monthly: a phrase planted in a call’s spoken turns is found, a finding per call with the line', async () => {
    const res = await sys.call('POST', '/v1/campaigns', { id: 'fin', name: 'Repayments', preset: 'finance', strategy: { sms: null } });
    assert.equal(res.status, 201, await res.clone().text());
    const [c] = await sys.sql`insert into contacts (tenant, phone, time_zone) values (${sys.tenant}, '+8613800138301', 'Asia/Shanghai') returning id`;
    const [a] = await sys.sql`insert into attempts (idempotency_key, contact_id, campaign_id, workflow_id, channel, strategy_version, local_day, status, outcome, ended_at)
      values ('transcript#1', ${c!.id}, 'fin', 'seed', 'call', 1, '2026-01-01', 'completed', 'answered', now()) returning id`;
    // the words of each turn are sealed at rest, as the call script stores them
    const said = (text: string) => sealText(testKeyring(), text, CALL_TURN_TEXT);
    await sys.sql`insert into call_turns (attempt_id, campaign_id, turn, input, mode, intent, text, actions) values
      (${a!.id}, 'fin', 1, 'speech', 'intelligent', 'unknown', ${said('我下个月再还')}, '{answer}'),
      (${a!.id}, 'fin', 2, 'speech', 'intelligent', 'unknown', ${said('你不还的话我们就通知你家人，再不还就让你坐牢')}, '{answer}'),
      (${a!.id}, 'fin', 3, 'dtmf', 'intelligent', 'key:1', null, '{answer}')`;
    const run = await trigger('maintenance-monthly');
    const sw = check(run, 'sensitive-words');
    assert.equal(sw.status, 'attention', sw.summary);
    const d = sw.detail as { calls: Array<{ attemptId: string; campaignId: string; lines: Array<{ turn: number; line: string; words: string[] }> }> };
    assert.deepEqual(d.calls, [{ attemptId: a!.id, campaignId: 'fin', lines: [{ turn: 2, line: '你不还的话我们就通知你家人，再不还就让你坐牢', words: ['通知你家人', '让你坐牢'] }] }]);
    const pb = check(run, 'playbook').detail as { byIndustry: Record<string, Array<{ campaignId: string; finding: string }>> };
    assert.deepEqual(pb.byIndustry.finance, [], 'the finance preset keeps its own rules (recording, retention, hours)');
    // the shop dropped the meal-peak blocks (to be called in this test's afternoon): the monthly rules see it
    assert.deepEqual(pb.byIndustry['local-services']!.filter((f) => f.finding.includes('peak')).map((f) => f.finding), ['the lunch peak 11:00–13:00 is not blocked', 'the dinner peak 17:00–19:00 is not blocked']);
  });

  test('the stress test on demand; the e-commerce checklist shows the last three runs', async () => {
    const start = async () => {
      const res = await sys.call('POST', '/v1/maintenance/stress-test', { callsPerHour: 3600, seconds: 2 });
      assert.equal(res.status, 202, await res.clone().text());
      assert.equal((await sys.call('POST', '/v1/maintenance/stress-test', { callsPerHour: 3600, seconds: 2 })).status, 409, 'one at a time');
      const { workflowId } = (await res.json()) as { workflowId: string };
      const [result] = (await sys.temporal.workflow.getHandle(workflowId).result()) as Check[];
      const run = (await latestRun(sys, 'stress-test'))!;
      assert.deepEqual(run.results, [result], 'the workflow stored its run');
      return run;
    };
    for (let i = 0; i < 3; i++) {
      const run = await start();
      const st = check(run, 'stress-test');
      assert.equal(st.status, 'ok', st.summary);
      assert.equal((st.detail as { targetCallsPerHour: number; events: number }).events, 2, '3,600/h for 2 s');
    }
    const list = (await (await sys.call('GET', '/v1/presets/ecommerce/checklist')).json()) as { stressTests: Array<{ routine: string; status: string }>; items: Array<{ check: string; last: { status: string } | null }> };
    assert.equal(list.stressTests.length, 3, 'the last three (of four: the monthly one is older)');
    assert.deepEqual(list.stressTests.map((s) => `${s.routine}:${s.status}`), ['stress-test:ok', 'stress-test:ok', 'stress-test:ok']);
    assert.equal(list.items.find((i) => i.check === 'link-check')!.last!.status, 'attention', 'the checklist shows the daily link check');
    const audit = await sys.sql`select count(*)::int as n from audit_log where action = 'maintenance.stress-test'`;
    assert.equal(audit[0]!.n, 3);
  });
});
