/**
 * A failed-over line comes back only on evidence: probes while it still fails keep it failed,
 * and it is active again after the configured number of clean probes in a row (hysteresis).
 * Through the real twilio client and the simulator, with a fast probe policy.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { simulatorLines } from '../sim/defaults';
import { eventually, useSystem } from './helpers/system';
import { afternoonZone } from './helpers/zones';

const standard = simulatorLines.find((l) => l.id === 'sim-standard')!;

describe('line recovery', () => {
  const sys = useSystem({ failover: { minSamples: 5, probeEveryMs: 300, probesToRecover: 3 } });

  let next = 0;
  const call = async (n: number, gapMs = 0) => {
    for (let i = 0; i < n; i++) {
      const phone = `+1408555${String(next++).padStart(3, '0')}7`; // answers and listens
      const res = await sys.call('POST', '/v1/events', { type: 'lead.created', phone, contact: { timeZone: afternoonZone() } });
      assert.equal(res.status, 202, await res.text());
      if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
    }
  };
  const line = async () => (await sys.sql`select state, state_changed_at from lines where id = 'sim-standard'`)[0]!;
  const probes = async (since: Date | string) =>
    sys.sql`select outcome from attempts where line_id = 'sim-standard' and reserved_at >= ${new Date(since).toISOString()} and (ended_at is not null or status = 'carrier-failed') order by reserved_at`;

  test('failing probes keep the line failed; three clean probes in a row bring it back', async () => {
    sys.sim.setProfile(standard.fromNumber, { failureRate: 1 });
    await call(8);
    await eventually(async () => (await line()).state === 'failed', 60_000, 'sim-standard to fail over');
    const failedAt = (await line()).state_changed_at as Date;

    await call(10, 150);
    await eventually(async () => (await probes(failedAt)).length >= 2, 60_000, 'probes on the failed line');
    assert.equal((await line()).state, 'failed', 'a failing probe does not bring the line back');
    assert.ok((await probes(failedAt)).every((p) => p.outcome === 'carrier-failure'));

    sys.sim.setProfile(standard.fromNumber, { failureRate: 0 });
    const healedAt = new Date();
    await call(30, 150);
    await eventually(async () => (await line()).state === 'active', 60_000, 'sim-standard to recover');
    const clean = (await probes(healedAt)).slice(0, 3);
    assert.deepEqual(clean.map((p) => p.outcome === 'carrier-failure'), [false, false, false], 'recovered on three clean probes');
    // and nobody was lost on the way: every person got through exactly once
    await eventually(async () => {
      const rows = await sys.sql`select c.phone, count(*) filter (where a.status = 'completed')::int as reached from contacts c left join attempts a on a.contact_id = c.id where c.phone like '+1408555%' group by c.phone`;
      return rows.length === next && rows.every((r) => r.reached === 1);
    }, 120_000, 'everyone reached once');
  });
});
