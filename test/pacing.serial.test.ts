/**
 * Pacing: a line's CPS cap holds in every sliding 1-second window of the carrier's own log, and a
 * change at run time shows within 5 s. The caps are scaled well below what this 2-core machine
 * pushes through the whole pipeline (11-40 calls/s end to end, depending on what else runs), so
 * the cap is what limits: REDIAL_PACING_CALLS calls (default 400) at 10 CPS, lowered to 4 mid-run.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { lines } from '../db/schema';
import { simulatorLines } from '../sim/defaults';
import { eventually, startSystem, type System } from './helpers/system';
import { afternoonZone } from './helpers/zones';

const CALLS = Number(process.env.REDIAL_PACING_CALLS ?? 400);
const standard = simulatorLines.find((l) => l.id === 'sim-standard')!;

/** The most calls from one line inside any window [t, t + 1 s), over the calls created in [from, to). */
function maxPerSecond(times: number[], from = -Infinity, to = Infinity): number {
  const ts = times.filter((t) => t >= from && t < to).sort((a, b) => a - b);
  let max = 0;
  for (let i = 0, j = 0; i < ts.length; i++) {
    while (ts[i]! - ts[j]! >= 1000) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}

describe('pacing across workers, enforced in PostgreSQL', () => {
  let sys: System;
  before(async () => {
    sys = await startSystem();
    await sys.db.update(lines).set({ cps: 10 }).where(eq(lines.id, 'sim-standard'));
    // the carrier's own limit: it refuses (SIP 503) anything above 10 calls per second
    sys.sim.setProfile(standard.fromNumber, { cps: 10 });
  });
  after(async () => {
    await sys?.stop();
  });

  test(`${CALLS} calls drain without exceeding the line's CPS in any 1-second window; 10 → 4 shows within 5 s`, async () => {
    const tz = afternoonZone();
    const phones = Array.from({ length: CALLS }, (_, i) => `+1212${200 + Math.floor(i / 100)}${String((i % 100) * 100 + 9).padStart(4, '0')}`);
    const sending = (async () => {
      for (let i = 0; i < phones.length; i += 40)
        await Promise.all(phones.slice(i, i + 40).map((phone) => sys.call('POST', '/v1/events', { type: 'lead.created', phone, contact: { timeZone: tz } })));
    })();
    const created = () => [...sys.sim.calls.values()].filter((c) => c.from === standard.fromNumber).map((c) => c.createdAt);
    await eventually(async () => created().length >= CALLS / 3, 120_000, 'a third of the calls');
    const changedAt = Date.now();
    await sys.db.update(lines).set({ cps: 4 }).where(eq(lines.id, 'sim-standard'));
    await sending;
    await eventually(async () => created().length >= CALLS, 300_000, 'every call placed');
    const times = created();
    const before = maxPerSecond(times, -Infinity, changedAt);
    const afterChange = maxPerSecond(times, changedAt + 5000);
    assert.ok(before <= 10, `at most 10 calls in any second before the change, saw ${before}`);
    // the pipeline pushes close to the cap (1.2/cps spacing: at most ~8-9 in a second), so the cap is what limits
    assert.ok(before >= 7, `the cap was the limit before the change (saw ${before} in the busiest second)`);
    assert.ok(afterChange <= 4, `at most 4 calls in any second from 5 s after the change, saw ${afterChange}`);
    assert.equal(new Set([...sys.sim.calls.values()].filter((c) => phones.includes(c.to)).map((c) => c.to)).size, CALLS, 'every number dialled');
    assert.ok(![...sys.sim.calls.values()].some((c) => c.refusedBy === 'cps'), 'the carrier never refused for CPS');
  });
});
