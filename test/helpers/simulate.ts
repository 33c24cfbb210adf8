/**
 * Drives the pure cadence state machine the way workflows/cadence.ts does — plan, sleep until the
 * plan or the next input, reserve through a gate, record the outcome — over a random timeline.
 * The gate applies the same checks as the reservation activity, with the oracle's clock reading.
 */
import * as cs from '../../domain/cadence-state';
import { budgetUsed, withCeiling } from '../../domain/daily-cap';
import { refusalAt } from '../../domain/next-attempt';
import type { Strategy } from '../../domain/strategy';
import { oracleLocal } from './oracle';

export type Input =
  | { at: number; kind: 'event'; type: string; campaign: number }
  | { at: number; kind: 'opt-out' }
  | { at: number; kind: 'pause' }
  | { at: number; kind: 'resume' }
  | { at: number; kind: 'time-zone'; tz: string }
  /** A new strategy version activated for a campaign: the gate answers with it from then on. */
  | { at: number; kind: 'activate'; campaign: number; version: number };

export interface Granted {
  at: number;
  tz: string;
  localDay: string;
  channel: cs.Channel;
  followUpId: string;
  strategy: Strategy;
  /** Calls of this person on that local day, this one included when it is a call. */
  callsThatDay: number;
  /** SMS of this person on that local day, this one included when it is an SMS. */
  smsThatDay: number;
  /** Calls and SMS together on that local day, this one included (the shared budget). */
  contactsThatDay: number;
  /** Attempts of that follow-up, this one included. */
  attemptNo: number;
  /** The follow-up's first-contact deadline (null: none). */
  deadlineAt: number | null;
  outcome?: cs.Outcome;
}

export interface Run {
  granted: Granted[];
  refused: Array<{ at: number; reason: string; channel: cs.Channel }>;
  /** Strategy versions activated during the run (a plan made under the old one may then be refused). */
  activations: number;
  /** First-contact deadlines the cadence found missed, by follow-up: when, and what it did. */
  misses: Map<string, { at: number; action: cs.DeadlineMiss['action']; reason: string }>;
  optedOutAt: number | null;
  triggers: Array<{ at: number; followUpId: string }>;
  state: cs.CadenceState;
}

export function simulate(p: {
  start: number;
  tz: string;
  strategies: Strategy[];
  inputs: Input[];
  outcomes: cs.Outcome[];
  /** How texts end, in turn (default: all sent). */
  smsOutcomes?: cs.Outcome[];
  /** Strategies a campaign may switch to ('activate' inputs pick from them). */
  versions?: Strategy[];
  jitter: number[];
  horizonMs: number;
  /** The per-person ceiling on calls a local day, across campaigns (the worker's configuration). */
  ceiling: number;
}): Run {
  const s = cs.initialState({ tenant: 't', phone: '+10000000000', contactId: 'c', timeZone: p.tz });
  const inputs = [...p.inputs].sort((a, b) => a.at - b.at);
  const run: Run = { granted: [], refused: [], activations: 0, misses: new Map(), optedOutAt: null, triggers: [], state: s };
  // the active version per campaign: what ingestion stamps on events and the gate answers with
  const active = new Map<string, { strategy: Strategy; version: number }>();
  const campaignOf = (i: number) => `c${i % p.strategies.length}`;
  p.strategies.forEach((strategy, i) => active.set(campaignOf(i), { strategy, version: 1 }));
  const end = p.start + p.horizonMs;
  let t = p.start;
  let k = 0;
  let seq = 0;
  // like the gate's SQL: a carrier failure is not the contact's call (it does not count against the cap)
  const counts = (g: Granted) => g.outcome !== 'carrier-failure' && g.outcome !== 'sms-failed';
  const callsOn = (day: string) => run.granted.filter((g) => g.channel === 'call' && g.localDay === day && counts(g)).length;
  const smsOn = (day: string) => run.granted.filter((g) => g.channel === 'sms' && g.localDay === day && counts(g)).length;
  let smsSeq = 0;
  let nEvents = 0;

  const apply = (i: Input) => {
    switch (i.kind) {
      case 'event': {
        const { strategy, version } = active.get(campaignOf(i.campaign))!;
        const before = new Set(s.followUps.map((f) => f.id));
        cs.applyEvent(s, { id: `e${nEvents++}`, type: i.type, campaignId: campaignOf(i.campaign), occurredAt: i.at, strategy, strategyVersion: version }, i.at);
        for (const f of s.followUps) if (!before.has(f.id)) run.triggers.push({ at: i.at, followUpId: f.id });
        break;
      }
      case 'opt-out':
        cs.optOut(s);
        run.optedOutAt ??= i.at;
        break;
      case 'pause':
        cs.pause(s);
        break;
      case 'resume':
        cs.resume(s);
        break;
      case 'time-zone':
        cs.applyProfile(s, { timeZone: i.tz });
        break;
      case 'activate': {
        const pool = p.versions?.length ? p.versions : p.strategies;
        const id = campaignOf(i.campaign);
        active.set(id, { strategy: pool[i.version % pool.length]!, version: active.get(id)!.version + 1 });
        run.activations++;
        break;
      }
    }
  };

  for (let guard = 0; guard < 5000 && t <= end; guard++) {
    // as the workflow does before each plan: deadlines that can no longer be kept are recorded (a hand-off stops its follow-up)
    if (s.status === 'active') for (const m of cs.noteMissedDeadlines(s, t, p.ceiling)) run.misses.set(m.followUpId, { at: t, action: m.action, reason: m.reason });
    const plan = cs.planNext(s, t, p.jitter[seq % p.jitter.length] ?? 0.5, p.ceiling);
    const next = inputs[k];
    if (plan && (!next || plan.at < next.at) && plan.at <= end) {
      t = Math.max(t, plan.at);
      const f = s.followUps.find((x) => x.id === plan.followUpId)!;
      // the gate answers with the campaign's active version, as activities/gate.ts reads it
      const { strategy, version } = active.get(f.campaignId)!;
      const { date } = oracleLocal(t, s.timeZone);
      const used = { calls: callsOn(date), sms: smsOn(date) };
      // the gate, as activities/gate.ts applies it
      let reason: string | null = null;
      if (s.status === 'opted-out') reason = 'opted-out';
      else if (plan.channel === 'call' && f.attempts >= strategy.maxAttempts) reason = 'max-attempts';
      else if (plan.channel === 'sms' && !strategy.sms) reason = 'sms-disabled';
      else {
        // one budget for calls and SMS, the strategy's cap lowered to the per-person ceiling; an SMS also meets its own cap
        const counts = { [date]: budgetUsed(plan.channel, used, strategy.sms?.maxPerDay ?? 1) };
        reason = refusalAt(t, s.timeZone, withCeiling(strategy, p.ceiling), counts)?.rule ?? null;
      }
      if (reason) {
        run.refused.push({ at: t, reason, channel: plan.channel });
        cs.applyRefusal(s, { followUpId: f.id, channel: plan.channel, at: t, reason, retryAt: null, callsToday: used.calls, smsToday: used.sms, strategy, strategyVersion: version, ceiling: p.ceiling });
        seq++;
        continue;
      }
      cs.applyGranted(s, f.id, plan.channel, t, strategy, version, p.ceiling);
      const call = plan.channel === 'call';
      run.granted.push({
        at: t,
        tz: s.timeZone,
        localDay: date,
        channel: plan.channel,
        followUpId: f.id,
        strategy,
        callsThatDay: used.calls + (call ? 1 : 0),
        smsThatDay: used.sms + (call ? 0 : 1),
        contactsThatDay: used.calls + used.sms + 1,
        attemptNo: f.attempts,
        deadlineAt: f.deadlineAt,
      });
      const smsOutcomes = p.smsOutcomes?.length ? p.smsOutcomes : ['sms-sent' as const];
      const outcome: cs.Outcome = call ? (p.outcomes[seq % p.outcomes.length] ?? 'no-answer') : smsOutcomes[smsSeq++ % smsOutcomes.length]!;
      run.granted[run.granted.length - 1]!.outcome = outcome;
      seq++;
      // a call lasts a minute; inputs that arrive meanwhile are applied before its outcome
      const done = t + 60_000;
      while (inputs[k] && inputs[k]!.at <= done) apply(inputs[k++]!);
      t = done;
      cs.applyOutcome(s, f.id, plan.channel, outcome, t);
      if (outcome === 'opted-out') run.optedOutAt ??= t;
      continue;
    }
    if (!next) break;
    t = Math.max(t, next.at);
    apply(next);
    k++;
  }
  return run;
}
