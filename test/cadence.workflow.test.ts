/** Multi-day cadence scenarios: the real workflow on the time-skipping server. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { localParts, zonedInstant } from '../workflows/policy/local-time';
import { startTimeSkipping, type TimeSkipping } from './helpers/timeskip';

const MIN = 60_000;
const HOUR = 60 * MIN;

/** The next instant at local wall time `hm` in `tz`, strictly after `now`. */
function nextLocal(now: number, tz: string, hm: string): number {
  const [h, m] = hm.split(':').map(Number) as [number, number];
  const p = localParts(now, tz);
  for (let d = 0; d < 3; d++) {
    const day = new Date(Date.UTC(p.year, p.month - 1, p.day + d));
    const t = zonedInstant({ year: day.getUTCFullYear(), month: day.getUTCMonth() + 1, day: day.getUTCDate() }, h * 60 + m, tz);
    if (t > now) return t;
  }
  throw new Error('unreachable');
}

const local = (t: number, tz: string) => {
  const p = localParts(t, tz);
  return `${p.date} ${String(Math.floor(p.minute / 60)).padStart(2, '0')}:${String(p.minute % 60).padStart(2, '0')}`;
};

describe('cadence workflow (time-skipping server, real gate on PostgreSQL)', () => {
  let ts: TimeSkipping;
  before(async () => {
    ts = await startTimeSkipping();
  });
  after(async () => {
    await ts?.stop();
  });

  test('a lead at 20:55 is called at once, redialled at 20:58, then not before 08:00 the next day', async () => {
    const tz = 'America/Chicago';
    const phone = '+13125550142';
    await ts.sleep(nextLocal(await ts.now(), tz, '20:55') - (await ts.now()));
    const start = await ts.now();
    const { workflowId } = await ts.event({ phone, timeZone: tz, type: 'lead.created' });
    await ts.sleep(12 * HOUR); // to about 08:55 the next day
    const mine = ts.dials.filter((d) => d.phone === phone);
    assert.ok(mine.length >= 3, `expected 3 attempts, got ${mine.map((d) => local(d.at, tz)).join(', ')}`);
    const [first, second, third] = mine as [(typeof mine)[0], (typeof mine)[0], (typeof mine)[0]];
    assert.ok(first.at - start < MIN, `first attempt at once, was ${local(first.at, tz)}`);
    assert.ok(second.at - first.at >= 3 * MIN && second.at - first.at < 4 * MIN, `redial after 3 min, was ${local(second.at, tz)}`);
    const opens = nextLocal(second.at, tz, '08:00');
    assert.ok(third.at >= opens && third.at <= opens + 2 * MIN + 30_000, `third attempt at 08:00 + jitter ≤ 2 min, was ${local(third.at, tz)}`);
    const state = await ts.state(workflowId);
    assert.equal(state.status, 'active');
    assert.equal(state.followUps[0]!.attempts, mine.length);
  });
});
