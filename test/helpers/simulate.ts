/**
 * Drives the pure cadence state machine the way workflows/cadence.ts does — plan, sleep until the
 * plan or the next input, reserve through a gate, record the outcome — over a random timeline.
 * The gate applies the same checks as the reservation activity, with the oracle's clock reading.
 */
import * as cs from '../../domain/cadence-state';
import { refusalAt } from '../../domain/next-attempt';
import type { Strategy } from '../../domain/strategy';
import { oracleLocal } from './oracle';

export type Input =
  | { at: number; kind: 'event'; type: string; campaign: number }
  | { at: number; kind: 'opt-out' }
  | { at: number; kind: 'pause' }
  | { at: number; kind: 'resume' }
  | { at: number; kind: 'time-zone'; tz: string };

export interface Granted {
  at: number;
  tz: string;
  localDay: string;
  channel: cs.Channel;
  followUpId: string;
  strategy: Strategy;
  /** Calls of this person on that local day, this one included. */
  callsThatDay: number;
  /** Attempts of that follow-up, this one included. */
  attemptNo: number;
  outcome?: cs.Outcome;
}

export interface Run {
  granted: Granted[];
  refused: Array<{ at: number; reason: string }>;
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
  jitter: number[];
  horizonMs: number;
  /** The per-person ceiling on calls a local day, across campaigns (the worker's configuration). */
  ceiling: number;
}): Run {
  const s = cs.initialState({ tenant: 't', phone: '+10000000000', contactId: 'c', timeZone: p.tz });
  const inputs = [...p.inputs].sort((a, b) => a.at - b.at);
  const run: Run = { granted: [], refused: [], optedOutAt: null, triggers: [], state: s };
  const end = p.start + p.horizonMs;
  let t = p.start;
  let k = 0;
  let seq = 0;
  // like the gate's SQL: a carrier failure is not the contact's call (it does not count against the cap)
  const callsOn = (day: string) => run.granted.filter((g) => g.channel === 'call' && g.localDay === day && g.outcome !== 'carrier-failure').length;
  const smsOn = (day: string) => run.granted.filter((g) => g.channel === 'sms' && g.localDay === day).length;
  let nEvents = 0;

  const apply = (i: Input) => {
    switch (i.kind) {
      case 'event': {
        const strategy = p.strategies[i.campaign % p.strategies.length]!;
        const before = new Set(s.followUps.map((f) => f.id));
        cs.applyEvent(s, { id: `e${nEvents++}`, type: i.type, campaignId: `c${i.campaign % p.strategies.length}`, occurredAt: i.at, strategy, strategyVersion: 1 }, i.at);
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
    }
  };

  for (let guard = 0; guard < 5000 && t <= end; guard++) {
    const plan = cs.planNext(s, t, p.jitter[seq % p.jitter.length] ?? 0.5, p.ceiling);
    const next = inputs[k];
    if (plan && (!next || plan.at < next.at) && plan.at <= end) {
      t = Math.max(t, plan.at);
      const f = s.followUps.find((x) => x.id === plan.followUpId)!;
      const strategy = f.strategy;
      const { date } = oracleLocal(t, s.timeZone);
      // the gate, as activities/gate.ts applies it
      let reason: string | null = null;
      if (s.status === 'opted-out') reason = 'opted-out';
      else if (plan.channel === 'call' && f.attempts >= strategy.maxAttempts) reason = 'max-attempts';
      else {
        const counts = plan.channel === 'call' ? { [date]: callsOn(date) } : smsOn(date) >= (strategy.sms?.maxPerDay ?? 1) ? { [date]: Number.MAX_SAFE_INTEGER } : {};
        // the gate's cap is the strategy's, lowered to the per-person ceiling: no strategy raises it
        reason = refusalAt(t, s.timeZone, { ...strategy, maxCallsPerDay: Math.min(strategy.maxCallsPerDay, p.ceiling) }, counts)?.rule ?? null;
      }
      if (reason) {
        run.refused.push({ at: t, reason });
        cs.applyRefusal(s, { followUpId: f.id, channel: plan.channel, at: t, reason, retryAt: null, callsToday: callsOn(date), strategy, strategyVersion: 1 });
        seq++;
        continue;
      }
      cs.applyGranted(s, f.id, plan.channel, t, strategy, 1);
      run.granted.push({
        at: t,
        tz: s.timeZone,
        localDay: date,
        channel: plan.channel,
        followUpId: f.id,
        strategy,
        callsThatDay: plan.channel === 'call' ? callsOn(date) + 1 : 0,
        attemptNo: f.attempts,
      });
      const outcome: cs.Outcome = plan.channel === 'sms' ? 'sms-sent' : (p.outcomes[seq % p.outcomes.length] ?? 'no-answer');
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
