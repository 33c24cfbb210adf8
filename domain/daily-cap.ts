/**
 * The per-person daily ceiling: at most this many calls to one person per local day, across every
 * campaign (DESIGN.md: default 2; the worker's REDIAL_MAX_CALLS_PER_PERSON_PER_DAY). A strategy's
 * own `maxCallsPerDay` can lower it for its follow-ups, never raise it. The gate enforces the
 * effective cap by the real clock; the cadence plans with the same one, so it never asks in vain.
 */
export const DEFAULT_MAX_CALLS_PER_PERSON_PER_DAY = 2;

/** The cap a strategy's follow-up is held to: its own, or the ceiling when that is lower. */
export const effectiveDailyCap = (strategyCap: number, ceiling: number) => Math.min(strategyCap, ceiling);

/** The strategy's window policy with its daily cap lowered to the ceiling (refusalAt judges by it). */
export function withCeiling<P extends { maxCallsPerDay: number }>(policy: P, ceiling: number): P {
  const cap = effectiveDailyCap(policy.maxCallsPerDay, ceiling);
  return cap === policy.maxCallsPerDay ? policy : { ...policy, maxCallsPerDay: cap };
}

/** One person's contacts on one local day (carrier failures are not contacts: the carrier's fault). */
export interface DayContacts {
  calls: number;
  sms: number;
}

/**
 * What the daily cap reads for one attempt. Calls and SMS share one budget: the strategy's
 * `maxCallsPerDay` lowered to the per-person ceiling, judged on calls + SMS of the day. An SMS
 * also meets its own lower cap (`sms.maxPerDay`): a day at that cap is full for SMS.
 */
export function budgetUsed(channel: 'call' | 'sms', day: DayContacts, smsCap: number): number {
  if (channel === 'sms' && day.sms >= smsCap) return Number.MAX_SAFE_INTEGER;
  return day.calls + day.sms;
}
