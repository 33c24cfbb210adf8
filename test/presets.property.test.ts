/**
 * Each industry preset, driven through the same pure cadence the workflows use (the policy
 * generators' zones and instants, random triggers and outcomes): its cadence obeys its
 * industry's rules — local services never call at the meal peaks; education calls a lead within
 * 10 minutes when the hours allow; e-commerce waits out the grace period, calls a cart within
 * 2 hours and stops when the order is paid; finance calls at most once a day, 09:00–20:00, and
 * records; every preset's SMS follows an unanswered call and carries its link.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { Outcome } from '../domain/cadence-state';
import { PRESETS } from '../domain/presets';
import { urlsInText } from '../domain/links';
import { strategySchema, type Strategy } from '../domain/strategy';
import { instant, zones } from './helpers/arbitraries';
import { oracleLocal } from './helpers/oracle';
import { simulate, type Input } from './helpers/simulate';

const MIN = 60_000;
const DAY = 86_400_000;
const RUNS = Number(process.env.REDIAL_PROPERTY_RUNS ?? 2_000) / 4;

const strategyOf = (industry: keyof typeof PRESETS): Strategy => strategySchema.parse(PRESETS[industry].strategy);
const minuteOfDay = (at: number, tz: string) => oracleLocal(at, tz).minute;
const outcomes = fc.array(fc.constantFrom<Outcome>('no-answer', 'busy', 'no-answer', 'answered', 'machine'), { minLength: 1, maxLength: 6 });
const jitter = fc.array(fc.double({ min: 0, max: 0.999, noNaN: true }), { minLength: 1, maxLength: 4 });

function scenario(types: string[], extra: fc.Arbitrary<Input[]> = fc.constant([])) {
  return fc.record({
    start: instant,
    tz: fc.constantFrom(...zones),
    offsets: fc.array(fc.integer({ min: 0, max: 3 * DAY }), { minLength: 1, maxLength: 3 }),
    type: fc.constantFrom(...types),
    outcomes,
    jitter,
    extra,
  });
}

function run(industry: keyof typeof PRESETS, sc: { start: number; tz: string; offsets: number[]; type: string; outcomes: Outcome[]; jitter: number[]; extra: Input[] }) {
  const inputs: Input[] = [...sc.offsets.map((o): Input => ({ at: sc.start + o, kind: 'event', type: sc.type, campaign: 0 })), ...sc.extra.map((e) => ({ ...e, at: sc.start + e.at }))];
  return { inputs, run: simulate({ start: sc.start, tz: sc.tz, strategies: [strategyOf(industry)], inputs, outcomes: sc.outcomes, jitter: sc.jitter, horizonMs: 8 * DAY, ceiling: 2 }) };
}

describe('industry presets obey their rules over random timelines', () => {
  test('local services: nothing at the meal peaks (11:00–13:00, 17:00–19:00 local)', () => {
    let calls = 0;
    fc.assert(
      fc.property(scenario(['coupon.issued', 'lead.created']), (sc) => {
        const { run: r } = run('local-services', sc);
        calls += r.granted.length;
        for (const g of r.granted) {
          const m = minuteOfDay(g.at, g.tz);
          assert.ok(!(m >= 660 && m < 780) && !(m >= 1020 && m < 1140), `a ${g.channel} at ${Math.floor(m / 60)}:${m % 60} local`);
        }
      }),
      { numRuns: RUNS },
    );
    assert.ok(calls > RUNS, `calls to check: ${calls}`);
  });

  test('education: a lead arriving while calls are allowed is called within 10 minutes; nothing after 21:30 or before 09:00', () => {
    let fresh = 0;
    fc.assert(
      fc.property(scenario(['lead.created']), (sc) => {
        const { run: r } = run('education', { ...sc, offsets: [sc.offsets[0]!] });
        for (const g of r.granted) {
          const m = minuteOfDay(g.at, g.tz);
          assert.ok(m >= 540 && m < 1290, `a ${g.channel} at ${Math.floor(m / 60)}:${m % 60} local`);
        }
        const t = r.triggers[0]!;
        const m = minuteOfDay(t.at, sc.tz);
        // a lead between 09:00 and 21:15 has its 10 minutes inside the calling hours
        if (m >= 540 && m < 1275) {
          fresh++;
          const first = r.granted.find((g) => g.followUpId === t.followUpId);
          assert.ok(first && first.at - t.at <= 10 * MIN, `first call ${first ? (first.at - t.at) / MIN : 'never'} min after the lead`);
        }
      }),
      { numRuns: RUNS },
    );
    assert.ok(fresh > RUNS / 4, `leads inside the hours: ${fresh}`);
  });

  test('e-commerce: the cart is called after the 30-minute grace and within 2 hours when the hours allow; nothing after order.paid', () => {
    const paid = fc.array(fc.record({ at: fc.integer({ min: 0, max: 3 * DAY }), kind: fc.constant('event' as const), type: fc.constant('order.paid'), campaign: fc.constant(0) }), { maxLength: 1 });
    fc.assert(
      fc.property(scenario(['cart.abandoned'], paid), (sc) => {
        const { run: r, inputs } = run('ecommerce', { ...sc, offsets: [sc.offsets[0]!] });
        const t = r.triggers[0]!;
        const first = r.granted.find((g) => g.followUpId === t.followUpId);
        if (first) assert.ok(first.at - t.at >= 30 * MIN, `first call ${(first.at - t.at) / MIN} min after the cart`);
        const m = minuteOfDay(t.at, sc.tz);
        const paidAt = inputs.find((i) => i.kind === 'event' && i.type === 'order.paid')?.at;
        // 08:00–19:00: the grace and two hours end before the quiet hours
        if (m >= 480 && m < 1140 && (paidAt === undefined || paidAt > t.at + 120 * MIN)) assert.ok(first && first.at - t.at <= 120 * MIN, `first call ${first ? (first.at - t.at) / MIN : 'never'} min after the cart`);
        // a call already ringing when the order is paid may finish; nothing starts after
        if (paidAt !== undefined && paidAt >= t.at) assert.deepEqual(r.granted.filter((g) => g.at > paidAt + MIN), [], 'nothing after order.paid');
      }),
      { numRuns: RUNS },
    );
  });

  test('finance: at most one call a day, only 09:00–20:00 local, recorded and kept a year', () => {
    const s = strategyOf('finance');
    assert.deepEqual([s.recording.enabled, s.recording.retentionDays >= 365], [true, true]);
    fc.assert(
      fc.property(scenario(['payment.due']), (sc) => {
        const { run: r } = run('finance', sc);
        for (const g of r.granted) {
          const m = minuteOfDay(g.at, g.tz);
          assert.ok(m >= 540 && m < 1200, `a ${g.channel} at ${Math.floor(m / 60)}:${m % 60} local`);
          if (g.channel === 'call') assert.ok(g.callsThatDay <= 1 || r.triggers.length > 1, `${g.callsThatDay} calls on ${g.localDay}`);
        }
      }),
      { numRuns: RUNS },
    );
  });

  test('every preset: an SMS only after an unanswered call, carrying the preset’s link', () => {
    for (const industry of Object.keys(PRESETS) as Array<keyof typeof PRESETS>) {
      const s = strategyOf(industry);
      assert.ok(s.sms && urlsInText(s.sms.text).length === 1, `${industry}: one link in the SMS`);
      fc.assert(
        fc.property(scenario(s.triggers), (sc) => {
          const { run: r } = run(industry, { ...sc, offsets: [sc.offsets[0]!] });
          for (const [i, g] of r.granted.entries()) {
            if (g.channel !== 'sms') continue;
            const before = r.granted.slice(0, i).filter((x) => x.channel === 'call' && x.followUpId === g.followUpId);
            assert.ok(before.some((x) => x.outcome !== 'answered'), `${industry}: an SMS before any unanswered call`);
          }
        }),
        { numRuns: RUNS / 4 },
      );
    }
  });
});
