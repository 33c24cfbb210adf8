/**
 * The compliance model the property tests and `npm run prove` share: random timelines for one
 * person (events for two or three campaigns, call and SMS outcomes, opt-outs, pauses, time-zone
 * changes, strategy versions activated mid-run, a random per-person daily ceiling) driven through
 * the cadence state machine, and the rules every granted attempt is judged by, with an
 * independent oracle (test/helpers/oracle.ts).
 */
import fc from 'fast-check';
import type { Outcome } from '../../domain/cadence-state';
import { instant, strategyArb, zones } from './arbitraries';
import { oracleForbids } from './oracle';
import { simulate, type Input, type Run } from './simulate';

const DAY = 86_400_000;

const callOutcome = fc.constantFrom<Outcome>('no-answer', 'no-answer', 'busy', 'machine', 'answered', 'converted', 'opted-out', 'carrier-failure', 'invalid');
const smsOutcome = fc.constantFrom<Outcome>('sms-sent', 'sms-sent', 'sms-sent', 'sms-failed', 'carrier-failure', 'opted-out');
const triggerType = fc.constantFrom('lead.created', 'cart.abandoned', 'payment.due', 'order.paid', 'coupon.issued', 'unknown.event');

function inputArb(start: number): fc.Arbitrary<Input> {
  const at = fc.integer({ min: 0, max: 6 * DAY }).map((d) => start + d);
  return fc.oneof(
    { weight: 6, arbitrary: fc.record({ at, kind: fc.constant('event' as const), type: triggerType, campaign: fc.integer({ min: 0, max: 2 }) }) },
    { weight: 1, arbitrary: fc.record({ at, kind: fc.constant('opt-out' as const) }) },
    { weight: 1, arbitrary: fc.record({ at, kind: fc.constant('pause' as const) }) },
    { weight: 1, arbitrary: fc.record({ at, kind: fc.constant('resume' as const) }) },
    { weight: 1, arbitrary: fc.record({ at, kind: fc.constant('time-zone' as const), tz: fc.constantFrom(...zones) }) },
    { weight: 1, arbitrary: fc.record({ at, kind: fc.constant('activate' as const), campaign: fc.integer({ min: 0, max: 2 }), version: fc.nat(5) }) },
  );
}

export interface Scenario {
  start: number;
  tz: string;
  strategies: Parameters<typeof simulate>[0]['strategies'];
  versions: Parameters<typeof simulate>[0]['strategies'];
  inputs: Input[];
  outcomes: Outcome[];
  smsOutcomes: Outcome[];
  jitter: number[];
  ceiling: number;
}

/** One person over a week: up to three campaigns, SMS in some strategies, versions switched mid-run. */
export const scenarioArb: fc.Arbitrary<Scenario> = instant.chain((start) =>
  fc.record({
    start: fc.constant(start),
    tz: fc.constantFrom(...zones),
    strategies: fc.array(strategyArb(start), { minLength: 1, maxLength: 3 }),
    versions: fc.array(strategyArb(start, { min: 1, max: 6 }), { minLength: 1, maxLength: 3 }),
    inputs: fc.array(inputArb(start), { minLength: 1, maxLength: 14 }),
    outcomes: fc.array(callOutcome, { minLength: 1, maxLength: 10 }),
    smsOutcomes: fc.array(smsOutcome, { minLength: 1, maxLength: 4 }),
    jitter: fc.array(fc.double({ min: 0, max: 0.999, noNaN: true }), { minLength: 1, maxLength: 5 }),
    ceiling: fc.integer({ min: 1, max: 3 }),
  }),
);

export const HORIZON_MS = 7 * DAY;

export const runScenario = (sc: Scenario): Run => simulate({ ...sc, horizonMs: HORIZON_MS });

/** Time rules a plan made under an older strategy version may meet at the gate (refused, re-planned: never broken). */
const RULES_A_NEW_VERSION_MAY_MOVE = new Set(['quiet-hours', 'blocked-window', 'holiday', 'daily-cap', 'max-attempts', 'sms-disabled']);

/**
 * Every rule broken in a run, in words (empty: compliant). Judged on what the carrier would have
 * been asked to do: every granted call and SMS.
 */
export function violations(sc: Scenario, run: Run): string[] {
  const out: string[] = [];
  // the plan obeys every rule: the gate (a second line of defence) refuses only what a new strategy version moved
  for (const r of run.refused) {
    if (!run.activations || !RULES_A_NEW_VERSION_MAY_MOVE.has(r.reason)) out.push(`the cadence asked the gate for a forbidden ${r.channel} (${r.reason}) at ${new Date(r.at).toISOString()}`);
  }
  const perDay = new Map<string, number>();
  for (const g of run.granted) {
    const at = new Date(g.at).toISOString();
    // quiet hours, blocked windows, holidays in the person's zone, and one budget for calls and SMS
    const rule = oracleForbids(g.at, g.tz, g.strategy, () => g.contactsThatDay - 1, sc.ceiling);
    if (rule) out.push(`${g.channel} at ${at} (${g.tz}) breaks ${rule} (contact #${g.contactsThatDay} of the day, cap ${g.strategy.maxCallsPerDay}, ceiling ${sc.ceiling})`);
    if (g.channel === 'call' && g.attemptNo > g.strategy.maxAttempts) out.push(`call attempt ${g.attemptNo} > max ${g.strategy.maxAttempts}`);
    if (g.channel === 'sms') {
      if (!g.strategy.sms) out.push(`an SMS at ${at} under a strategy without SMS`);
      else if (g.smsThatDay > g.strategy.sms.maxPerDay) out.push(`SMS #${g.smsThatDay} on ${g.localDay}, SMS cap ${g.strategy.sms.maxPerDay}`);
    }
    if (run.optedOutAt !== null && g.at >= run.optedOutAt) out.push(`${g.channel} at ${at} after the opt-out at ${new Date(run.optedOutAt).toISOString()}`);
    if (g.outcome !== 'carrier-failure' && g.outcome !== 'sms-failed') perDay.set(g.localDay, (perDay.get(g.localDay) ?? 0) + 1);
  }
  // deadlines: a first contact after its deadline was recorded as missed first; a lead handed to a person is never contacted again
  const seen = new Set<string>();
  for (const g of run.granted) {
    const miss = run.misses.get(g.followUpId);
    if (!seen.has(g.followUpId) && g.deadlineAt !== null && g.at > g.deadlineAt && (!miss || miss.at > g.at)) {
      out.push(`first contact of ${g.followUpId} at ${new Date(g.at).toISOString()}, after its deadline ${new Date(g.deadlineAt).toISOString()}, with no miss recorded`);
    }
    if (miss?.action === 'handed-off' && g.at >= miss.at) out.push(`${g.followUpId} contacted at ${new Date(g.at).toISOString()} after it was handed to a person`);
    seen.add(g.followUpId);
  }
  for (const [day, n] of perDay) if (n > sc.ceiling) out.push(`${n} contacts (calls and SMS) on ${day}, per-person ceiling ${sc.ceiling}`);
  return out;
}
