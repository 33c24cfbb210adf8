/**
 * Redial's own test traffic — the daily opt-out self-check (campaign __selfcheck) and the monthly
 * stress test (__stress) — on the real system: it never counts in the day's rates, the reports,
 * line health (failover, closing weak lines, stability) or the watchdog's judgement, and it stays
 * visible on its own (the summary report with synthetic=true).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createActivities } from '../activities';
import { createCarrier } from '../activities/carrier';
import { selectLine } from '../activities/line-selection';
import { defaultFailover } from '../domain/failover';
import { SELF_CHECK_CAMPAIGN, STRESS_CAMPAIGN } from '../domain/maintenance';
import { dailyMaintenance } from '../workflows/maintenance';
import { uid, testKeyring } from './helpers/env';
import { useSystem } from './helpers/system';

type Summary = { attempted: number; answered: number; optedOut: number; carrierFailures: number; synthetic: boolean; byLine: Array<{ lineId: string | null }> };

describe('synthetic traffic', () => {
  const sys = useSystem();
  const acts = () =>
    createActivities({ keyring: testKeyring(), db: sys.db, carrier: createCarrier({ keyring: testKeyring(), apiBaseUrl: sys.simUrl }), clock: () => Date.now(), publicUrl: sys.apiUrl, temporal: sys.temporal, taskQueue: sys.taskQueue, maintenance: sys.maintenance });
  const summary = async (query = '') => (await (await sys.call('GET', `/v1/reports/summary${query}`)).json()) as Summary;

  test('a quiet day: the self-check’s own opt-out call raises no complaint alert, and the report shows it only when asked', async () => {
    const run = await sys.temporal.workflow.execute(dailyMaintenance, { workflowId: `daily-${uid()}`, taskQueue: sys.taskQueue });
    assert.equal(run.find((r) => r.name === 'self-check-opt-out')!.status, 'ok');
    // the self-check's call was answered and pressed 0: one complaint in one answered call, were it real
    const [own] = await sys.sql`select count(*)::int as n from attempts where campaign_id = ${SELF_CHECK_CAMPAIGN} and outcome = 'opted-out'`;
    assert.equal(own!.n, 1);

    // the next day's rates and sample see it (the last 24 h)
    const a = acts();
    const rates = await a.checkAlertRates();
    assert.equal(rates.status, 'ok', rates.summary);
    assert.deepEqual((await sys.sql`select message from alerts where kind = 'daily-rates'`).map((x) => x.message), [], 'no rate alert from our own test call');
    const sample = (await a.sampleCalls()).detail as Array<{ campaignId: string }>;
    assert.deepEqual(sample.filter((c) => c.campaignId === SELF_CHECK_CAMPAIGN), [], 'nothing of ours to review');

    const real = await summary();
    assert.deepEqual([real.attempted, real.answered, real.optedOut, real.synthetic], [0, 0, 0, false], 'a quiet day reports nothing');
    const synthetic = await summary('?synthetic=true');
    assert.deepEqual([synthetic.synthetic, synthetic.attempted, synthetic.answered, synthetic.optedOut], [true, 1, 1, 1], 'the self-check call, on its own');
    // asking for the self-check campaign by name shows it without the flag
    assert.equal((await summary(`?campaignId=${SELF_CHECK_CAMPAIGN}`)).optedOut, 1);
    const bad = await sys.call('GET', '/v1/reports/summary?synthetic=yes');
    assert.equal(bad.status, 400);
  });

  test('synthetic carrier failures fail over no line, close none, mark no bad day and open no incident', async () => {
    // a stress test that met a failing carrier: 30 API failures on the backup line, 30 calls the callees' network did not put through
    const [c] = await sys.sql`insert into contacts (tenant, phone, time_zone) values (${sys.tenant}, '+14155550177', 'UTC') returning id`;
    for (let i = 0; i < 60; i++) {
      const apiFailure = i < 30;
      await sys.sql`insert into attempts (idempotency_key, contact_id, campaign_id, workflow_id, channel, strategy_version, local_day, line_id, provider_sid, status, outcome, sip_response_code, ended_at)
        values (${`stress#${i}`}, ${c!.id}, ${STRESS_CAMPAIGN}, 'stress', 'call', 1, to_char(now(), 'YYYY-MM-DD'), ${apiFailure ? 'sim-backup' : 'sim-premium'}, ${apiFailure ? null : `CAstress${i}`},
          ${apiFailure ? 'carrier-failed' : 'failed'}, ${apiFailure ? 'carrier-failure' : 'no-answer'}, ${apiFailure ? 20500 : 480}, ${apiFailure ? null : new Date().toISOString()})`;
    }
    const a = acts();
    const line = await selectLine({ db: sys.db, raiseAlert: async () => 0 }, 'backup', defaultFailover, () => undefined);
    assert.equal(line?.id, 'sim-backup', 'the backup line still carries backup traffic');
    const closed = await a.closeWeakLines();
    assert.equal(closed.status, 'ok', closed.summary);
    assert.deepEqual((await sys.sql`select id from lines where state <> 'active' order by id`).map((r) => r.id), []);
    assert.equal((await a.checkAlertRates()).status, 'ok');
    const stability = await a.lineStability();
    assert.equal(stability.status, 'ok', stability.summary);
    assert.deepEqual(await a.detectIncidents(sys.policy), [], 'neither a carrier nor a connect-rate incident');
    const real = await summary();
    assert.deepEqual([real.attempted, real.carrierFailures, real.byLine.length], [0, 0, 0]);
    const synthetic = await summary('?synthetic=true');
    assert.ok(synthetic.carrierFailures >= 30, 'still visible on its own');
    assert.ok(synthetic.byLine.some((l) => l.lineId === 'sim-backup'));
    assert.equal((await summary(`?campaignId=${STRESS_CAMPAIGN}`)).carrierFailures, 30);
  });
});
