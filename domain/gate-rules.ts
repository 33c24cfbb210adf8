/**
 * The compliance gate's rules, apart from its facts: given what PostgreSQL says (the person's
 * contacts on the local day, the follow-up's attempts) and the real clock, whether the strategy
 * allows the attempt. activities/gate.ts applies them in its reservation transaction (after the
 * DNC list, holds, pauses and lockdowns); the strategy dry run (domain/dry-run.ts) replays with them.
 */
import type { Channel } from './cadence-state';
import { budgetUsed, withCeiling, type DayContacts } from './daily-cap';
import { refusalAt, type Refusal } from './next-attempt';
import type { Strategy } from './strategy';

export interface RuleRefusal {
  reason: string;
  /** When asking again makes sense (null: never for this follow-up). */
  retryAt: number | null;
  detail: Record<string, unknown>;
}

export interface RuleFacts {
  now: number;
  timeZone: string;
  /** The contact's local day at `now` (the day the budget counts). */
  localDay: string;
  strategy: Strategy;
  channel: Channel;
  /** A text the call's script promised: it goes even when the strategy sends none of its own. */
  scripted?: boolean;
  attemptsSoFar: number;
  used: DayContacts;
  ceiling: number;
}

export function ruleRefusal(p: RuleFacts): RuleRefusal | null {
  const { strategy } = p;
  if (p.channel === 'call' && p.attemptsSoFar >= strategy.maxAttempts) return { reason: 'max-attempts', retryAt: null, detail: { max: strategy.maxAttempts } };
  if (p.channel === 'sms' && !strategy.sms && !p.scripted) return { reason: 'sms-disabled', retryAt: null, detail: {} };
  // one budget per person and local day, calls and SMS together; an SMS also meets its own cap
  // (assigned, not a computed key in a literal: that literal is several times slower, and the dry run asks millions of times)
  const counts: Record<string, number> = {};
  counts[p.localDay] = budgetUsed(p.channel, p.used, strategy.sms?.maxPerDay ?? 1);
  const policy = withCeiling(strategy, p.ceiling);
  const r = refusalAt(p.now, p.timeZone, policy, counts);
  if (!r) return null;
  return { reason: r.rule, retryAt: r.until, detail: { callsToday: p.used.calls, smsToday: p.used.sms, max: policy.maxCallsPerDay, ...(p.channel === 'sms' ? { smsMax: strategy.sms?.maxPerDay ?? 1 } : {}) } };
}

/**
 * The time-of-day rules alone (holiday, quiet hours, blocked windows) at `now`: the carrier
 * activities' last look before the carrier is asked. A grant is made for the moment of the gate's
 * transaction; the call or text may go out much later (a pacing queue, a worker killed and its
 * activity retried, Temporal down for a while), and by then the window may have closed.
 */
export function windowRefusal(now: number, timeZone: string, strategy: Strategy): Refusal | null {
  return refusalAt(now, timeZone, { ...strategy, maxCallsPerDay: Number.POSITIVE_INFINITY }, {});
}
