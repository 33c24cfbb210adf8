/**
 * Compliance rules as invariants, over thousands of random timelines: random time zones (DST,
 * odd offsets), strategies, triggers across campaigns, outcomes, opt-outs, pauses and time-zone
 * changes, driven through the same state machine the workflow uses, under a random per-person
 * daily ceiling that no strategy's own cap may raise.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { Outcome } from '../domain/cadence-state';
import { instant, strategyArb, zones } from './helpers/arbitraries';
import { oracleForbids, oracleLocal, oracleNextAllowed } from './helpers/oracle';
import { runScenario, scenarioArb, violations } from './helpers/compliance';
import { simulate, type Input } from './helpers/simulate';

const MIN = 60_000;
const DAY = 86_400_000;
/** Sequences per run of the main property (npm run prove runs 10^5). */
const RUNS = Number(process.env.REDIAL_PROPERTY_RUNS ?? 10_000);

function inputArb(start: number): fc.Arbitrary<Input> {
  const at = fc.integer({ min: 0, max: 6 * DAY }).map((d) => start + d);
  return fc.oneof(
    { weight: 6, arbitrary: fc.record({ at, kind: fc.constant('event' as const), type: fc.constantFrom('lead.created', 'payment.due', 'order.paid'), campaign: fc.integer({ min: 0, max: 2 }) }) },
    { weight: 1, arbitrary: fc.record({ at, kind: fc.constant('opt-out' as const) }) },
    { weight: 1, arbitrary: fc.record({ at, kind: fc.constant('time-zone' as const), tz: fc.constantFrom(...zones) }) },
  );
}

/** Campaigns whose own caps differ, some above the ceiling: what a person in several campaigns meets. */
const mixedCaps = instant.chain((start) =>
  fc.record({
    start: fc.constant(start),
    tz: fc.constantFrom(...zones),
    strategies: fc.tuple(strategyArb(start, { min: 1, max: 2 }), strategyArb(start, { min: 3, max: 6 }), strategyArb(start, { min: 1, max: 6 })),
    // a trigger for every campaign on the first day, more later
    inputs: fc.array(inputArb(start), { maxLength: 8 }).map((more): Input[] => [...[0, 1, 2].map((campaign) => ({ at: start, kind: 'event' as const, type: 'lead.created', campaign })), ...more]),
    // one carrier failure in each cycle of outcomes: it frees its call of the day, and is retried in 15 s
    outcomes: fc.array(fc.constantFrom<Outcome>('no-answer', 'busy', 'machine', 'no-answer'), { minLength: 1, maxLength: 6 }).map((o): Outcome[] => [...o, 'carrier-failure']),
    jitter: fc.array(fc.double({ min: 0, max: 0.999, noNaN: true }), { minLength: 1, maxLength: 5 }),
    ceiling: fc.integer({ min: 1, max: 3 }),
  }),
);

describe('compliance invariants over random timelines', () => {
  test(`no call or SMS in quiet hours, blocked windows or holidays, over the shared daily budget or the SMS cap, after opt-out, or past max attempts (${RUNS} sequences)`, () => {
    let attempts = 0;
    let texts = 0;
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        const run = runScenario(sc);
        attempts += run.granted.length;
        texts += run.granted.filter((g) => g.channel === 'sms').length;
        assert.deepEqual(violations(sc, run), []);
      }),
      { numRuns: RUNS },
    );
    assert.ok(attempts > RUNS && texts > RUNS / 20, `the generator must produce calls and texts to check (got ${attempts}, ${texts} texts)`);
  });

  test(`the per-person ceiling holds across any mix of campaigns with different caps, and is reached without a refusal (${Math.ceil(RUNS / 20)} runs)`, () => {
    let atCeiling = 0;
    fc.assert(
      fc.property(mixedCaps, (sc) => {
        const run = simulate({ ...sc, horizonMs: 3 * DAY });
        // the cadence plans with the same effective cap the gate enforces: it never asks in vain
        assert.deepEqual(run.refused, [], 'the cadence asked the gate for a call over the cap');
        const perDay = new Map<string, number>();
        for (const g of run.granted.filter((x) => x.channel === 'call' && x.outcome !== 'carrier-failure')) perDay.set(g.localDay, (perDay.get(g.localDay) ?? 0) + 1);
        for (const [day, n] of perDay) {
          assert.ok(n <= sc.ceiling, `${n} calls on ${day} across campaigns capped ${sc.strategies.map((x) => x.maxCallsPerDay).join('/')}, ceiling ${sc.ceiling}`);
          if (n === sc.ceiling) atCeiling++;
        }
        for (const g of run.granted.filter((x) => x.channel === 'call')) {
          const cap = Math.min(g.strategy.maxCallsPerDay, sc.ceiling);
          assert.ok(g.callsThatDay <= cap, `call #${g.callsThatDay} on ${g.localDay} for a follow-up capped at ${g.strategy.maxCallsPerDay} under ceiling ${sc.ceiling}`);
          assert.equal(oracleForbids(g.at, g.tz, g.strategy, () => g.callsThatDay - 1, sc.ceiling), null, `call #${g.callsThatDay} at ${new Date(g.at).toISOString()}`);
        }
      }),
      { numRuns: Math.ceil(RUNS / 20) },
    );
    assert.ok(atCeiling > 0, 'some days must reach the ceiling, or the property says nothing');
  });

  test('a trigger is first attempted at once when allowed, else exactly at the next allowed instant plus jitter', () => {
    let checked = 0;
    let immediate = 0;
    fc.assert(
      fc.property(instant, fc.constantFrom(...zones), strategyArb().map((x) => ({ ...x, onDeadlineMissed: 'call-anyway' as const })), fc.constantFrom('lead.created', 'cart.abandoned'), fc.double({ min: 0, max: 0.999, noNaN: true }), (start, tz, strategy, type, j) => {
        const run = simulate({ start, tz, strategies: [strategy], inputs: [{ at: start, kind: 'event', type, campaign: 0 }], outcomes: ['no-answer'], jitter: [j], horizonMs: 9 * DAY, ceiling: 2 });
        const grace = (strategy.firstContactAfterMinutes[type] ?? 0) * MIN;
        const expected = oracleNextAllowed(start + grace, tz, strategy, () => 0);
        const first = run.granted[0];
        if (expected === null) {
          assert.ok(!first || first.at > start + grace + 8 * DAY, 'no allowed instant within 8 days, yet an attempt was made');
          return;
        }
        assert.ok(first, `an attempt was expected at ${new Date(expected).toISOString()}`);
        checked++;
        if (expected === start + grace) {
          immediate++;
          assert.equal(first.at, start + grace, 'allowed as soon as the grace period ends, so called then');
          const deadline = strategy.firstContactWithinMinutes[type]!;
          if (grace <= deadline * MIN) assert.ok(first.at - start <= deadline * MIN, 'within the trigger deadline');
        } else {
          assert.ok(first.at >= expected && first.at <= expected + strategy.jitterSeconds * 1000, `first at ${new Date(first.at).toISOString()}, next allowed ${new Date(expected).toISOString()} + ${strategy.jitterSeconds}s`);
        }
      }),
      { numRuns: Math.ceil(RUNS / 4) },
    );
    assert.ok(checked > 0 && immediate > 0 && immediate < checked, `both branches must be exercised (${immediate}/${checked})`);
  });

  test('the oracle itself agrees with known wall times (DST-aware)', () => {
    // 2027-03-14 07:30Z is 03:30 EDT (clocks went 02:00 → 03:00); 2027-11-07 06:30Z is 01:30 EST
    assert.equal(oracleLocal(Date.UTC(2027, 2, 14, 7, 30), 'America/New_York').minute, 3 * 60 + 30);
    assert.equal(oracleLocal(Date.UTC(2027, 10, 7, 6, 30), 'America/New_York').minute, 60 + 30);
    assert.equal(oracleLocal(Date.UTC(2027, 0, 1, 0, 0), 'Asia/Kolkata').minute, 5 * 60 + 30);
  });
});
