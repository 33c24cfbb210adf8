/** Multi-day cadence scenarios: the real workflow on the time-skipping server. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { attempts, complianceLog } from '../db/schema';
import { localParts, zonedInstant } from '../domain/local-time';
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

/** Local midnight starting the day on which `tz` next moves its clocks `dir`, after `from`. */
function nextDstDay(from: number, tz: string, dir: 'forward' | 'back'): number {
  const offset = (t: number) => {
    const p = localParts(t, tz);
    return Date.UTC(p.year, p.month - 1, p.day, Math.floor(p.minute / 60), p.minute % 60) - (t - (t % 60_000));
  };
  for (let t = from; t < from + 400 * 24 * HOUR; t += HOUR) {
    const d = offset(t + HOUR) - offset(t);
    if ((dir === 'forward' && d > 0) || (dir === 'back' && d < 0)) return nextLocal(t - 12 * HOUR, tz, '00:00');
  }
  throw new Error(`no DST change in ${tz}`);
}

const local = (t: number, tz: string) => {
  const p = localParts(t, tz);
  return `${p.date} ${String(Math.floor(p.minute / 60)).padStart(2, '0')}:${String(p.minute % 60).padStart(2, '0')}`;
};

/** Calls to `phone` per local day in `tz`, in the order the days came. */
function callsPerLocalDay(dials: TimeSkipping['dials'], phone: string, tz: string): Map<string, number> {
  const perDay = new Map<string, number>();
  for (const d of dials.filter((x) => x.phone === phone && x.channel === 'call')) {
    const day = localParts(d.at, tz).date;
    perDay.set(day, (perDay.get(day) ?? 0) + 1);
  }
  return perDay;
}

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

  test('a send refused at the last look (the window closed after the grant) gives the attempt back: the day still gets its two calls', async () => {
    const tz = 'America/Chicago';
    const phone = '+13125550177';
    await ts.sleep(nextLocal(await ts.now(), tz, '14:00') - (await ts.now()));
    ts.closeWindowOnce.add(phone);
    const { workflowId } = await ts.event({ phone, timeZone: tz, type: 'lead.created' });
    await ts.sleep(5 * HOUR); // to about 19:00, same local day
    const rows = await ts.db.select().from(attempts).where(eq(attempts.workflowId, workflowId));
    assert.equal(rows.filter((r) => r.status === 'not-placed').length, 1, 'the refused send is recorded, not placed');
    assert.deepEqual([...callsPerLocalDay(ts.dials, phone, tz).values()], [2], 'two calls that day: the refused send cost no place in the budget');
    const state = await ts.state(workflowId);
    assert.equal(state.followUps[0]!.attempts, 2, 'nor an attempt');
    assert.equal(state.attemptsToday, 2);
  });

  test('the daily cap of 2 holds across two campaigns for one person', async () => {
    const tz = 'Europe/Berlin';
    const phone = '+4930555012';
    await ts.campaign('edu-cap', { maxCallsPerDay: 2, redialDelaysMinutes: [3] });
    await ts.campaign('shop-cap', { maxCallsPerDay: 2, redialDelaysMinutes: [3] });
    await ts.sleep(nextLocal(await ts.now(), tz, '10:00') - (await ts.now()));
    await ts.event({ phone, timeZone: tz, type: 'lead.created', campaignId: 'edu-cap', strategy: { maxCallsPerDay: 2, redialDelaysMinutes: [3] } });
    await ts.event({ phone, timeZone: tz, type: 'payment.due', campaignId: 'shop-cap', strategy: { maxCallsPerDay: 2, redialDelaysMinutes: [3] } });
    await ts.sleep(2 * 24 * HOUR);
    const perDay = callsPerLocalDay(ts.dials, phone, tz);
    assert.ok(perDay.size >= 2, `calls on several days: ${[...perDay]}`);
    for (const [day, n] of perDay) assert.ok(n <= 2, `${n} calls on ${day}`);
    assert.equal([...perDay.values()][0], 2, 'both calls of the first day were used');
  });

  test('no strategy raises the per-person ceiling: two campaigns capped at 3 still get 2 calls a day, planned, never refused', async () => {
    const tz = 'Europe/Madrid';
    const phone = '+34915550123';
    const generous = { maxCallsPerDay: 3, redialDelaysMinutes: [3], maxAttempts: 20 };
    await ts.campaign('edu-3', generous);
    await ts.campaign('shop-3', generous);
    await ts.sleep(nextLocal(await ts.now(), tz, '10:00') - (await ts.now()));
    const { contactId, workflowId } = await ts.event({ phone, timeZone: tz, type: 'lead.created', campaignId: 'edu-3', strategy: generous });
    await ts.event({ phone, timeZone: tz, type: 'payment.due', campaignId: 'shop-3', strategy: generous });
    await ts.sleep(2 * 24 * HOUR);
    const perDay = callsPerLocalDay(ts.dials, phone, tz);
    assert.ok(perDay.size >= 2, `calls on several days: ${[...perDay]}`);
    for (const [day, n] of perDay) assert.ok(n <= 2, `${n} calls on ${day}: the ceiling is 2 whatever the campaigns allow`);
    assert.equal([...perDay.values()][0], 2, 'both calls of the first day were used');
    // the cadence plans with the same effective cap as the gate: it never asks for a call it cannot have
    const refused = await ts.db.select().from(complianceLog).where(eq(complianceLog.contactId, contactId));
    assert.deepEqual(refused.map((r) => r.reason), []);
    assert.equal((await ts.state(workflowId)).status, 'active', 'still following up, day by day');
  });

  test('Asia/Shanghai: a lead at 07:50 local waits for 08:00 (+ jitter), never earlier', async () => {
    const tz = 'Asia/Shanghai';
    const phone = '+8613800138002';
    await ts.sleep(nextLocal(await ts.now(), tz, '07:50') - (await ts.now()));
    const { workflowId } = await ts.event({ phone, timeZone: tz, type: 'lead.created' });
    const state = await ts.state(workflowId);
    assert.equal(state.nextAttemptReason, 'waiting for quiet-hours to end');
    await ts.sleep(20 * MIN);
    const [first] = ts.dials.filter((d) => d.phone === phone);
    assert.ok(first, 'called after the window opened');
    const opens = nextLocal(first.at - 30 * MIN, tz, '08:00');
    assert.ok(first.at >= opens && first.at <= opens + 2 * MIN, `called at ${local(first.at, tz)}`);
  });

  test('a cart abandoned and paid within 2 h is never called', async () => {
    const tz = 'Asia/Shanghai';
    const phone = '+8613800138003';
    await ts.sleep(nextLocal(await ts.now(), tz, '14:00') - (await ts.now()));
    const { workflowId } = await ts.event({ phone, timeZone: tz, type: 'cart.abandoned' });
    await ts.sleep(20 * MIN); // inside the 30-minute grace period
    await ts.event({ phone, timeZone: tz, type: 'order.paid' });
    await ts.sleep(3 * HOUR);
    assert.equal(ts.dials.filter((d) => d.phone === phone).length, 0);
    const state = await ts.state(workflowId);
    assert.equal(state.followUps[0]!.endReason, 'stopped-by:order.paid');
  });

  test('an opt-out while the cadence sleeps means no attempt, ever', async () => {
    const tz = 'America/Sao_Paulo';
    const phone = '+5511955501234';
    await ts.sleep(nextLocal(await ts.now(), tz, '22:00') - (await ts.now()));
    const { workflowId } = await ts.event({ phone, timeZone: tz, type: 'lead.created' });
    assert.equal((await ts.state(workflowId)).nextAttemptReason, 'waiting for quiet-hours to end');
    await ts.sleep(HOUR);
    await ts.optOut(phone);
    await ts.sleep(HOUR);
    // a new trigger, even one that starts a fresh cadence run, changes nothing
    await ts.event({ phone, timeZone: tz, type: 'payment.due' });
    await ts.sleep(3 * 24 * HOUR);
    assert.equal(ts.dials.filter((d) => d.phone === phone).length, 0);
    const state = await ts.state(workflowId);
    assert.equal(state.optedOut, true);
    assert.equal(state.nextAttemptAt, null);
  });

  test('a cadence that finished is called again when a new event starts it: its attempts are new, not the last run\'s', async () => {
    const tz = 'Europe/Berlin';
    const phone = '+4915155501234';
    await ts.sleep(nextLocal(await ts.now(), tz, '10:00') - (await ts.now()));
    await ts.campaign('one-call', { maxAttempts: 1 });
    const first = await ts.event({ phone, timeZone: tz, type: 'lead.created', campaignId: 'one-call', strategy: { maxAttempts: 1 } });
    await ts.sleep(26 * HOUR); // one attempt, then a day idle: the run completes
    const { status } = await first.handle.describe();
    assert.equal(status.name, 'COMPLETED', JSON.stringify(await ts.state(first.workflowId)));
    await ts.event({ phone, timeZone: tz, type: 'lead.created', campaignId: 'one-call', strategy: { maxAttempts: 1 } });
    await ts.sleep(HOUR);
    const mine = ts.dials.filter((d) => d.phone === phone);
    assert.equal(new Set(mine.map((d) => d.attemptId)).size, 2, `two runs, two attempts: ${mine.map((d) => d.attemptId).join(', ')}`);
    const rows = await ts.db.select().from(attempts).where(eq(attempts.contactId, first.contactId));
    assert.equal(rows.length, 2);
  });

  test('America/New_York across both DST changes: 08:00 is local wall time, EST and EDT alike', async () => {
    const tz = 'America/New_York';
    for (const [dir, phone] of [
      ['forward', '+12125550172'],
      ['back', '+12125550182'],
    ] as const) {
      // the evening before the change: 20:55, 20:58, then 08:00 on the day the clocks move
      const changeDay = nextDstDay(await ts.now(), tz, dir);
      const evening = nextLocal(changeDay - 24 * HOUR, tz, '20:55');
      await ts.sleep(evening - (await ts.now()));
      await ts.event({ phone, timeZone: tz, type: 'lead.created' });
      await ts.sleep(13 * HOUR);
      const mine = ts.dials.filter((d) => d.phone === phone);
      assert.ok(mine.length >= 3, `${dir}: ${mine.map((d) => local(d.at, tz))}`);
      const third = mine[2]!;
      const opens = nextLocal(changeDay, tz, '08:00');
      assert.equal(localParts(third.at, tz).date, localParts(changeDay, tz).date, `${dir}: third call on the change day`);
      assert.ok(third.at >= opens && third.at <= opens + 2 * MIN + 30_000, `${dir}: third call at ${local(third.at, tz)} (${new Date(third.at).toISOString()})`);
      // the UTC hour of 08:00 differs by one across the change: EDT is UTC-4, EST UTC-5
      assert.equal(new Date(opens).getUTCHours(), dir === 'forward' ? 12 : 13);
    }
  });
});
