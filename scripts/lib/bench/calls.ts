/** What the carrier's side (the simulator's call log) says about a set of numbers: who was called, when, and how often. */
import type { SimCall } from '../../../sim/server';

/** The attempt a call was placed for: its TwiML URL names it (…/twilio/voice/<attemptId>). */
const attemptOf = (c: SimCall) => /\/voice\/([^/?]+)/.exec(String(c.params.Url ?? ''))?.[1] ?? c.sid;

export interface CallLog {
  /** Each number's first call (epoch ms). */
  first: Map<string, number>;
  /** Calls beyond one per attempt (a reservation dialled twice): must be 0. */
  doubleDialled: number;
  /** Numbers called more than once (a redial is allowed by the rules; the cohorts answer, so none expected). */
  calledAgain: number;
  total: number;
}

export function callLog(calls: Iterable<SimCall>, numbers: ReadonlySet<string>): CallLog {
  const first = new Map<string, number>();
  const perNumber = new Map<string, number>();
  const attempts = new Set<string>();
  let doubleDialled = 0;
  let total = 0;
  for (const c of calls) {
    if (!numbers.has(c.to)) continue;
    total++;
    const a = attemptOf(c);
    if (attempts.has(a)) doubleDialled++;
    attempts.add(a);
    perNumber.set(c.to, (perNumber.get(c.to) ?? 0) + 1);
    if (!first.has(c.to) || c.createdAt < first.get(c.to)!) first.set(c.to, c.createdAt);
  }
  return { first, doubleDialled, calledAgain: [...perNumber.values()].filter((n) => n > 1).length, total };
}
