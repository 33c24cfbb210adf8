/**
 * The strategy dry run: a campaign's recent history replayed through the cadence's own state
 * machine (cadence-state.ts: plan, missed deadlines, granted, refused, outcome) and the gate's
 * rules (gate-rules.ts), under a candidate strategy, as workflows/cadence.ts would have run it.
 * Nothing here is a second copy of a rule: it only sequences them, one contact at a time, and
 * tallies what happened. services/dry-run.ts streams the contacts from PostgreSQL.
 *
 * The model, where the replay cannot know: the n-th call of a contact ends as its n-th real call
 * of the campaign ended (a callback at the time the person asked for; after the real ones: no
 * answer); a text is sent; a call's outcome comes CALL_MS after its reservation; the contact's
 * profile is today's; other campaigns' calls to the same person, holds, lockdowns, pauses, dead
 * links and the texts a call's script promised are not replayed.
 */
import {
  activeFollowUps,
  applyEvent,
  applyGranted,
  applyOutcome,
  applyRefusal,
  initialState,
  isFinished,
  noteMissedDeadlines,
  optOut,
  planNext,
  type Channel,
  type DeadlineMiss,
  type Outcome,
} from './cadence-state';
import { ruleRefusal } from './gate-rules';
import { localDate } from './local-time';
import { lineTierFor } from './line-service';
import type { Strategy } from './strategy';

/**
 * From reservation to the outcome the cadence acts on. Zero: the replay cannot know a call's
 * length, and redial delays (minutes to hours) dominate; a real call's ring and talk time shift
 * its redial by that much later than the replay says.
 */
export const CALL_MS = 0;

export interface DryRunContact {
  contactId: string;
  timeZone: string;
  tags: string[];
  /** The campaign's events for this contact, in the order they were delivered. */
  events: Array<{ id: string; type: string; occurredAt: number; at: number }>;
  /** How its real calls in the campaign ended, in order. */
  callOutcomes: Array<Outcome | null>;
  /** For each of those calls, when the person asked to be called back (null: they did not). */
  callbacksAt: Array<number | null>;
  /** When it went on the DNC list (null: it is not on it). */
  optedOutAt: number | null;
}

export interface DryRunPlan {
  campaignId: string;
  strategy: Strategy;
  strategyVersion: number;
  /** Attempts planned after this instant are not counted (the end of the replayed period). */
  until: number;
  /** The per-person daily ceiling (domain/daily-cap.ts). */
  ceiling: number;
}

/** A first contact the strategy would not make before its deadline. */
export interface DryRunMiss {
  contactId: string;
  trigger: string;
  deadlineAt: string;
  expectedAt: string | null;
  reason: string;
  action: DeadlineMiss['action'];
}

export interface DryRunResult {
  contacts: number;
  events: number;
  calls: number;
  sms: number;
  /** Per contact-local calendar day (the day the daily cap counts, attempts.localDay). */
  perDay: Array<{ day: string; calls: number; sms: number }>;
  /** Per UTC hour (ISO instant of the hour's start). */
  perHour: Array<{ hour: string; calls: number; sms: number }>;
  /** What the gate would refuse, by reason. */
  refusals: Record<string, number>;
  /** Attempts the rules pushed later, by the first rule that did (quiet-hours, blocked-window, holiday, daily-cap). */
  deferrals: Record<string, number>;
  missedDeadlines: { count: number; sample: DryRunMiss[] };
  /** Calls starting in the busiest second, per line tier (jitter as the workflows draw it). */
  peakCps: Record<string, { cps: number; at: string }>;
  /** Contacts with a follow-up still going at the end of the period. */
  stillActive: number;
}

/** Missed deadlines listed in full at most; the count covers them all. */
const MISS_SAMPLE = 100;

/** A small seeded generator: each contact's jitter draws are stable from run to run. */
function jitterDraws(id: string): () => number {
  let h = 2_166_136_261;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16_777_619);
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export class DryRunTally {
  contacts = 0;
  events = 0;
  calls = 0;
  sms = 0;
  stillActive = 0;
  private readonly days = new Map<string, { calls: number; sms: number }>();
  private readonly hours = new Map<number, { calls: number; sms: number }>();
  private readonly refusals: Record<string, number> = {};
  private readonly deferrals: Record<string, number> = {};
  /** Per line tier, the second each call started in (sorted and counted at the end: cheaper than a count per second). */
  private readonly seconds = new Map<string, number[]>();
  private missCount = 0;
  private readonly misses: DryRunMiss[] = [];

  granted(channel: Channel, at: number, day: string, tier: string) {
    let d = this.days.get(day);
    if (!d) this.days.set(day, (d = { calls: 0, sms: 0 }));
    const hour = Math.floor(at / 3_600_000);
    let h = this.hours.get(hour);
    if (!h) this.hours.set(hour, (h = { calls: 0, sms: 0 }));
    if (channel === 'sms') {
      this.sms++;
      d.sms++;
      h.sms++;
      return;
    }
    this.calls++;
    d.calls++;
    h.calls++;
    let starts = this.seconds.get(tier);
    if (!starts) this.seconds.set(tier, (starts = []));
    starts.push(Math.floor(at / 1000));
  }

  refused(reason: string) {
    this.refusals[reason] = (this.refusals[reason] ?? 0) + 1;
  }

  deferred(rule: string) {
    this.deferrals[rule] = (this.deferrals[rule] ?? 0) + 1;
  }

  missed(contactId: string, m: DeadlineMiss) {
    this.missCount++;
    if (this.misses.length < MISS_SAMPLE) {
      this.misses.push({ contactId, trigger: m.trigger, deadlineAt: new Date(m.deadlineAt).toISOString(), expectedAt: m.expectedAt === null ? null : new Date(m.expectedAt).toISOString(), reason: m.reason, action: m.action });
    }
  }

  result(): DryRunResult {
    const peakCps: DryRunResult['peakCps'] = {};
    for (const [tier, starts] of this.seconds) {
      // the longest run of one second in the sorted starts; the earliest on a tie
      const sorted = Float64Array.from(starts).sort();
      let best = { cps: 0, second: 0 };
      for (let i = 0, run = 0; i < sorted.length; i++) {
        run = i > 0 && sorted[i] === sorted[i - 1] ? run + 1 : 1;
        if (run > best.cps) best = { cps: run, second: sorted[i]! };
      }
      peakCps[tier] = { cps: best.cps, at: new Date(best.second * 1000).toISOString() };
    }
    return {
      contacts: this.contacts,
      events: this.events,
      calls: this.calls,
      sms: this.sms,
      perDay: [...this.days].sort(([a], [b]) => (a < b ? -1 : 1)).map(([day, n]) => ({ day, ...n })),
      perHour: [...this.hours].sort(([a], [b]) => a - b).map(([hour, n]) => ({ hour: new Date(hour * 3_600_000).toISOString(), ...n })),
      refusals: this.refusals,
      deferrals: this.deferrals,
      missedDeadlines: { count: this.missCount, sample: this.misses },
      peakCps,
      stillActive: this.stillActive,
    };
  }
}

/** Replays one contact's cadence in the campaign under the plan's strategy, into the tally. */
export function replayContact(c: DryRunContact, p: DryRunPlan, tally: DryRunTally): void {
  if (c.events.length === 0) return;
  tally.contacts++;
  tally.events += c.events.length;
  const optedOutBefore = c.optedOutAt !== null && c.optedOutAt <= c.events[0]!.at;
  const s = initialState({ tenant: '', phone: '', contactId: c.contactId, timeZone: c.timeZone, tags: c.tags, contactStatus: optedOutBefore ? 'opted_out' : 'active' });
  const tier = lineTierFor(p.strategy, c.tags);
  const draw = jitterDraws(c.contactId);
  let optOutAt = optedOutBefore ? null : c.optedOutAt;
  let k = 0;
  let calls = 0;
  let t = c.events[0]!.at;
  if (optedOutBefore) tally.refused('opted-out');
  // bounded like the workflow's own horizon: a strategy cannot make the replay loop for ever
  for (let guard = 0; guard < 10_000; guard++) {
    if (optOutAt !== null && optOutAt <= t) {
      optOut(s);
      optOutAt = null;
    }
    // as the workflow does before each plan: deadlines that can no longer be kept are recorded
    if (s.status === 'active') for (const m of noteMissedDeadlines(s, t, p.ceiling)) tally.missed(c.contactId, m);
    const plan = planNext(s, t, draw(), p.ceiling);
    const nextInput = Math.min(c.events[k]?.at ?? Number.POSITIVE_INFINITY, optOutAt ?? Number.POSITIVE_INFINITY);
    if (plan && plan.at < nextInput && plan.at <= p.until) {
      t = Math.max(t, plan.at);
      const f = s.followUps.find((x) => x.id === plan.followUpId)!;
      const day = localDate(t, s.timeZone);
      const used = { calls: s.callsByDay[day] ?? 0, sms: s.smsByDay[day] ?? 0 };
      const refusal = ruleRefusal({ now: t, timeZone: s.timeZone, localDay: day, strategy: p.strategy, channel: plan.channel, attemptsSoFar: f.attempts, used, ceiling: p.ceiling });
      if (refusal) {
        tally.refused(refusal.reason);
        applyRefusal(s, { followUpId: f.id, channel: plan.channel, at: t, reason: refusal.reason, retryAt: refusal.retryAt, callsToday: used.calls, smsToday: used.sms, strategy: p.strategy, strategyVersion: p.strategyVersion, ceiling: p.ceiling });
        continue;
      }
      if (plan.waitedFor.length) tally.deferred(plan.waitedFor[0]!);
      applyGranted(s, f.id, plan.channel, t, p.strategy, p.strategyVersion, p.ceiling);
      tally.granted(plan.channel, t, day, tier);
      const n = plan.channel === 'call' ? calls++ : -1;
      const outcome: Outcome = plan.channel === 'sms' ? 'sms-sent' : (c.callOutcomes[n] ?? 'no-answer');
      const done = plan.channel === 'call' ? t + CALL_MS : t;
      applyOutcome(s, f.id, plan.channel, outcome, done, outcome === 'callback' ? (c.callbacksAt[n] ?? undefined) : undefined);
      t = done;
      continue;
    }
    if (nextInput === Number.POSITIVE_INFINITY || nextInput > p.until) break;
    t = Math.max(t, nextInput);
    if (optOutAt !== null && optOutAt === nextInput) continue;
    const e = c.events[k++]!;
    applyEvent(s, { id: e.id, type: e.type, campaignId: p.campaignId, occurredAt: e.occurredAt, strategy: p.strategy, strategyVersion: p.strategyVersion }, e.at);
  }
  if (activeFollowUps(s).length > 0 && !isFinished(s)) tally.stillActive++;
}
