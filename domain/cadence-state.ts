/**
 * The cadence as a pure state machine: what the contact's follow-ups are, what happened, and when
 * the next attempt may be. The workflow (workflows/cadence.ts) is a thin durable shell around it;
 * property tests drive it directly over thousands of random event sequences.
 */
import { DEFAULT_MAX_CALLS_PER_PERSON_PER_DAY, budgetUsed, withCeiling } from './daily-cap';
import { localDate } from './local-time';
import { nextAllowedInstant, refusalAt, withJitter, type WindowRule } from './next-attempt';
import type { Strategy } from './strategy';

/** After a carrier failure the same follow-up is retried this soon (on a healthy line by then). */
export const CARRIER_RETRY_MS = 15_000;

export type CadenceStatus = 'active' | 'paused' | 'idle' | 'opted-out' | 'invalid' | 'cancelled';
export type Channel = 'call' | 'sms';

/** What one attempt ended as, as far as the cadence is concerned. */
export type Outcome =
  | 'answered'
  | 'converted'
  | 'not-interested'
  | 'opted-out'
  | 'no-answer'
  | 'busy'
  | 'machine'
  | 'invalid'
  | 'carrier-failure'
  | 'sms-sent'
  | 'sms-failed'
  /** The person asked to be called back at a time (the call's script): the follow-up goes on from then. */
  | 'callback'
  /** The number is not the person's: like an invalid number, nobody calls it again. */
  | 'wrong-number';

export interface FollowUp {
  id: string;
  campaignId: string;
  trigger: string;
  strategy: Strategy;
  strategyVersion: number;
  startedAt: number;
  /** The trigger's first-contact deadline, if the strategy sets one. */
  deadlineAt: number | null;
  notBefore: number;
  attempts: number;
  unanswered: number;
  smsSent: number;
  smsDue: boolean;
  /** A refused text is asked for again no sooner than this (a hold, a pause: not in a tight loop). */
  smsNotBefore?: number;
  status: 'active' | 'done' | 'stopped';
  endReason?: string;
  firstAttemptAt?: number;
  /** The first contact could not happen before `deadlineAt`: when that was known, and why. */
  deadlineMissed?: { at: number; reason: string; expectedAt: number | null };
  /**
   * A text the call's script promised (e.g. the booking link): this follow-up only sends it, through
   * the same gate and budget as every text, then is done.
   */
  text?: string;
}

/** A first-contact deadline found missed, and what the strategy made of it. */
export interface DeadlineMiss {
  followUpId: string;
  campaignId: string;
  trigger: string;
  deadlineAt: number;
  reason: string;
  /** When the first attempt can happen by the rules (null: not within the horizon). */
  expectedAt: number | null;
  action: 'called-late' | 'handed-off';
}

export interface Refused {
  at: number;
  followUpId: string;
  channel: Channel;
  reason: string;
}

export interface CadenceState {
  tenant: string;
  phone: string;
  contactId: string;
  timeZone: string;
  tags: string[];
  industry: string | null;
  status: CadenceStatus;
  followUps: FollowUp[];
  /** Calls reserved per local day, across all campaigns (the daily cap). Old days are pruned. */
  callsByDay: Record<string, number>;
  /**
   * The per-person ceiling on calls a local day, as the gate last reported it (the worker's
   * configuration); until the first reservation, the default. See domain/daily-cap.ts.
   */
  dailyCeiling?: number;
  smsByDay: Record<string, number>;
  /**
   * 'shared': calls and SMS draw on one daily budget per person (every cadence started since).
   * Absent: the cadence began before, and keeps counting calls and SMS apart until it ends.
   */
  budget?: 'shared';
  /** Attempt sequence number: the idempotency key of the next reservation. */
  seq: number;
  lastRefusals: Refused[];
  /** Ids of events already applied, so a retried API call does not enrol twice. */
  seenEvents: string[];
}

export interface ProfileChange {
  timeZone?: string;
  tags?: string[];
  industry?: string | null;
}

export interface CadenceEvent {
  id: string;
  /** Profile fields the event carried (CRM sync), applied before the event itself. */
  profile?: ProfileChange;
  type: string;
  campaignId: string;
  occurredAt: number;
  strategy: Strategy;
  strategyVersion: number;
}

/** A follow-up's id: its campaign, the trigger's type and the event's id. */
export const followUpIdOf = (campaignId: string, type: string, eventId: string) => `${campaignId}:${type}:${eventId}`;

/** The id of the event that started a follow-up (null when the id is not of that form; a type holding ':' reads wrong, and finds no event). */
export function eventIdOfFollowUp(followUpId: string, campaignId: string): string | null {
  if (!followUpId.startsWith(`${campaignId}:`)) return null;
  const rest = followUpId.slice(campaignId.length + 1);
  const colon = rest.indexOf(':');
  return colon > 0 ? rest.slice(colon + 1) : null;
}

export interface Plan {
  followUpId: string;
  channel: Channel;
  at: number;
  /** Rules that pushed `at` later than the follow-up's own earliest time. */
  waitedFor: WindowRule[];
}

/**
 * A new cadence's state. A contact already on the DNC list or known invalid starts closed, so a
 * late event for them never plans an attempt (the gate would refuse it anyway).
 */
export function initialState(p: {
  tenant: string;
  phone: string;
  contactId: string;
  timeZone: string;
  tags?: string[];
  industry?: string | null;
  contactStatus?: string;
}): CadenceState {
  return {
    tenant: p.tenant,
    phone: p.phone,
    contactId: p.contactId,
    timeZone: p.timeZone,
    tags: p.tags ?? [],
    industry: p.industry ?? null,
    status: p.contactStatus === 'opted_out' ? 'opted-out' : p.contactStatus === 'invalid' ? 'invalid' : 'idle',
    followUps: [],
    callsByDay: {},
    smsByDay: {},
    budget: 'shared',
    seq: 0,
    lastRefusals: [],
    seenEvents: [],
  };
}

const isClosed = (s: CadenceState) => s.status === 'opted-out' || s.status === 'invalid' || s.status === 'cancelled';
const isActive = (f: FollowUp) => f.status === 'active';
export const activeFollowUps = (s: CadenceState) => s.followUps.filter(isActive);

function endAll(s: CadenceState, reason: string) {
  for (const f of activeFollowUps(s)) {
    f.status = 'stopped';
    f.endReason = reason;
  }
}

function settle(s: CadenceState) {
  if (isClosed(s) || s.status === 'paused') return;
  s.status = s.followUps.some(isActive) ? 'active' : 'idle';
}

/** Applies a business event (trigger, stop event or a custom type mapped by the strategy). */
export function applyEvent(s: CadenceState, e: CadenceEvent, now: number): 'started' | 'stopped' | 'merged' | 'ignored' | 'duplicate' {
  if (e.profile) applyProfile(s, e.profile);
  if (s.seenEvents.includes(e.id)) return 'duplicate';
  s.seenEvents.push(e.id);
  if (s.seenEvents.length > 200) s.seenEvents.splice(0, s.seenEvents.length - 200);
  const type = e.strategy.eventMap[e.type] ?? e.type;
  let result: 'started' | 'stopped' | 'merged' | 'ignored' = 'ignored';
  // the active follow-ups read in place, not copied: the dry run applies millions of events and plans
  for (const f of s.followUps) {
    if (isActive(f) && f.campaignId === e.campaignId && f.strategy.stopOn.includes(type)) {
      f.status = 'done';
      f.endReason = `stopped-by:${type}`;
      result = 'stopped';
    }
  }
  if (result === 'stopped' || isClosed(s) || !e.strategy.triggers.includes(type)) {
    settle(s);
    return result;
  }
  const existing = s.followUps.find((f) => isActive(f) && f.campaignId === e.campaignId && f.text === undefined);
  if (existing) {
    // one follow-up per campaign at a time: a repeated trigger refreshes its strategy, not its count
    existing.strategy = e.strategy;
    existing.strategyVersion = e.strategyVersion;
    return 'merged';
  }
  const within = e.strategy.firstContactWithinMinutes[type];
  const grace = (e.strategy.firstContactAfterMinutes[type] ?? 0) * 60_000;
  s.followUps.push({
    id: followUpIdOf(e.campaignId, type, e.id),
    campaignId: e.campaignId,
    trigger: type,
    strategy: e.strategy,
    strategyVersion: e.strategyVersion,
    startedAt: now,
    deadlineAt: within === undefined ? null : e.occurredAt + within * 60_000,
    notBefore: Math.max(now, e.occurredAt + grace),
    attempts: 0,
    unanswered: 0,
    smsSent: 0,
    smsDue: false,
    status: 'active',
  });
  // finished follow-ups are history in the attempts table, not state to carry forever (the active
  // first, then the last five finished; one pass: planning replays this millions of times in a dry run)
  const active: FollowUp[] = [];
  const finished: FollowUp[] = [];
  for (const f of s.followUps) (f.status === 'active' ? active : finished).push(f);
  s.followUps = finished.length === 0 ? active : active.concat(finished.length > 5 ? finished.slice(-5) : finished);
  settle(s);
  return 'started';
}

/** The per-person daily ceiling this cadence plans with: what the gate said, else the default. */
export const dailyCeilingOf = (s: CadenceState) => s.dailyCeiling ?? DEFAULT_MAX_CALLS_PER_PERSON_PER_DAY;

/**
 * The next attempt: the earliest allowed instant over all active follow-ups. Null when there is
 * nothing to do. Calls are planned under `ceiling`, the per-person daily ceiling the gate enforces
 * (each follow-up's cap is its strategy's, lowered to the ceiling).
 */
export function planNext(s: CadenceState, now: number, jitterFraction: number, ceiling: number): Plan | null {
  if (s.status !== 'active') return null;
  let best: Plan | null = null;
  for (const f of s.followUps) {
    // a script's text follow-up only ever texts
    if (!isActive(f) || (f.text !== undefined && !f.smsDue)) continue;
    const { channel, from, policy, counts, next } = earliestFor(s, f, now, ceiling);
    let at = withJitter(next, from, f.strategy.jitterSeconds, jitterFraction, (t) => refusalAt(t, s.timeZone, policy, counts) === null);
    if (at === null) continue;
    // the spread is ours: it never makes a first contact miss a deadline the rules allow it to keep
    // (cadences started before replay as they planned)
    const keepsDeadline = s.budget === 'shared' && f.firstAttemptAt === undefined && f.deadlineAt !== null && next.at !== null && next.at <= f.deadlineAt;
    if (keepsDeadline && at > f.deadlineAt!) at = next.at!;
    if (!best || at < best.at) best = { followUpId: f.id, channel, at, waitedFor: next.waitedFor };
  }
  return best;
}

/** A follow-up's next attempt by the rules alone (before jitter). */
function earliestFor(s: CadenceState, f: FollowUp, now: number, ceiling: number) {
  const channel: Channel = f.smsDue ? 'sms' : 'call';
  // an SMS goes at the next allowed instant; the call redial keeps its own delay
  const from = channel === 'sms' ? Math.max(now, f.smsNotBefore ?? now) : Math.max(now, f.notBefore);
  const counts = s.budget === 'shared' ? budgetByDay(s, channel, f) : channel === 'call' ? s.callsByDay : smsAsCap(s, f);
  const policy = channel === 'call' || s.budget === 'shared' ? withCeiling(f.strategy, ceiling) : f.strategy;
  return { channel, from, policy, counts, next: nextAllowedInstant(from, s.timeZone, policy, counts) };
}

/**
 * First-contact deadlines that cannot be kept any more: a follow-up not yet attempted whose first
 * allowed instant (quiet hours, a blocked window, a holiday, the daily budget, its grace period)
 * falls after its deadline, or whose deadline passed while it waited (a hold, a lockdown, a pause,
 * a backlog). Each is marked once, with the reason; a strategy that hands missed leads to a person
 * stops the follow-up here (the rest of the cadence goes on).
 */
export function noteMissedDeadlines(s: CadenceState, now: number, ceiling: number): DeadlineMiss[] {
  if (isClosed(s)) return [];
  const misses: DeadlineMiss[] = [];
  for (const f of s.followUps) {
    if (!isActive(f) || f.deadlineAt === null || f.firstAttemptAt !== undefined || f.deadlineMissed) continue;
    const { next } = earliestFor(s, f, now, ceiling);
    const late = next.at === null || next.at > f.deadlineAt;
    if (!late) continue;
    f.deadlineMissed = { at: now, reason: missReason(s, f, next.waitedFor), expectedAt: next.at };
    const action = f.strategy.onDeadlineMissed === 'hand-off' ? 'handed-off' : 'called-late';
    misses.push({ followUpId: f.id, campaignId: f.campaignId, trigger: f.trigger, deadlineAt: f.deadlineAt, reason: f.deadlineMissed.reason, expectedAt: next.at, action });
    if (action === 'handed-off') {
      f.status = 'stopped';
      f.endReason = 'deadline-missed';
    }
  }
  if (misses.length) settle(s);
  return misses;
}

function missReason(s: CadenceState, f: FollowUp, waitedFor: WindowRule[]): string {
  // the rule that pushes the first attempt late; else what held it (the gate's last word); else its grace period or a backlog
  if (waitedFor.length) return waitedFor[0]!;
  if (s.status === 'paused') return 'paused';
  const refused = [...s.lastRefusals].reverse().find((r) => r.followUpId === f.id);
  if (refused) return refused.reason;
  return f.deadlineAt !== null && f.notBefore > f.deadlineAt ? 'grace-period' : 'backlog';
}

/** The shared budget's use per local day, as the daily-cap rule reads it for this channel (domain/daily-cap.ts). */
function budgetByDay(s: CadenceState, channel: Channel, f: FollowUp): Record<string, number> {
  const smsCap = f.strategy.sms?.maxPerDay ?? 1;
  const out: Record<string, number> = {};
  for (const day in s.callsByDay) out[day] = budgetUsed(channel, { calls: s.callsByDay[day] ?? 0, sms: s.smsByDay[day] ?? 0 }, smsCap);
  for (const day in s.smsByDay) if (!(day in out)) out[day] = budgetUsed(channel, { calls: 0, sms: s.smsByDay[day] ?? 0 }, smsCap);
  return out;
}

/** The SMS cap reuses the daily-cap rule with the SMS counts and limit (cadences from before the shared budget). */
function smsAsCap(s: CadenceState, f: FollowUp): Record<string, number> {
  const limit = f.strategy.sms?.maxPerDay ?? 1;
  const out: Record<string, number> = {};
  for (const [day, n] of Object.entries(s.smsByDay)) if (n >= limit) out[day] = Number.MAX_SAFE_INTEGER;
  return out;
}

/** A reservation was granted at `at` (by the gate's clock), under the per-person `ceiling` the gate enforced. */
export function applyGranted(s: CadenceState, followUpId: string, channel: Channel, at: number, strategy: Strategy, strategyVersion: number, ceiling?: number) {
  if (ceiling !== undefined) s.dailyCeiling = ceiling;
  const f = s.followUps.find((x) => x.id === followUpId);
  if (!f) return;
  f.strategy = strategy;
  f.strategyVersion = strategyVersion;
  const day = localDate(at, s.timeZone);
  s.seq += 1;
  if (channel === 'call') {
    s.callsByDay[day] = (s.callsByDay[day] ?? 0) + 1;
    f.attempts += 1;
    f.firstAttemptAt ??= at;
  } else {
    s.smsByDay[day] = (s.smsByDay[day] ?? 0) + 1;
    f.smsDue = false;
    f.smsSent += 1;
  }
  pruneDays(s, at);
}

function pruneDays(s: CadenceState, now: number) {
  const keepFrom = localDate(now - 3 * 86_400_000, s.timeZone);
  for (const d in s.callsByDay) if (d < keepFrom) delete s.callsByDay[d];
  for (const d in s.smsByDay) if (d < keepFrom) delete s.smsByDay[d];
}

/** The gate refused: record why and when to look again. */
export function applyRefusal(
  s: CadenceState,
  r: { followUpId: string; channel: Channel; at: number; reason: string; retryAt: number | null; callsToday?: number; smsToday?: number; strategy?: Strategy; strategyVersion?: number; ceiling?: number },
) {
  s.seq += 1; // the refused sequence number is spent: its compliance row carries it
  if (r.ceiling !== undefined) s.dailyCeiling = r.ceiling;
  s.lastRefusals.push({ at: r.at, followUpId: r.followUpId, channel: r.channel, reason: r.reason });
  if (s.lastRefusals.length > 10) s.lastRefusals.shift();
  const f = s.followUps.find((x) => x.id === r.followUpId);
  if (r.reason === 'opted-out') {
    s.status = 'opted-out';
    endAll(s, 'opted-out');
    return;
  }
  if (!f) return;
  if (r.strategy && r.strategyVersion !== undefined) {
    f.strategy = r.strategy;
    f.strategyVersion = r.strategyVersion;
  }
  if (r.reason === 'max-attempts' || r.reason === 'campaign-cancelled' || r.reason === 'contact-deleted') {
    f.status = 'stopped';
    f.endReason = r.reason;
    settle(s);
    return;
  }
  // the gate's counts (other campaigns' cadences, an operator's test) teach the plan what it missed
  const day = localDate(r.at, s.timeZone);
  if (r.callsToday !== undefined) s.callsByDay[day] = Math.max(s.callsByDay[day] ?? 0, r.callsToday);
  if (r.smsToday !== undefined && s.budget === 'shared') s.smsByDay[day] = Math.max(s.smsByDay[day] ?? 0, r.smsToday);
  // (cadences from before the shared budget replay as they ran: a refused text delayed the calls)
  if (r.channel === 'sms' && s.budget === 'shared') {
    // a strategy without texts (a new version dropped them): the text is dropped, the calls go on
    if (r.reason === 'sms-disabled') {
      f.smsDue = false;
      if (f.text !== undefined) {
        f.status = 'stopped';
        f.endReason = r.reason;
        settle(s);
      }
    }
    else f.smsNotBefore = Math.max(f.smsNotBefore ?? 0, r.retryAt ?? r.at + 15 * 60_000);
    return;
  }
  f.notBefore = Math.max(f.notBefore, r.retryAt ?? r.at + 15 * 60_000);
}

/** The result of an attempt. */
export function applyOutcome(s: CadenceState, followUpId: string, channel: Channel, outcome: Outcome, at: number, callbackAt?: number) {
  const f = s.followUps.find((x) => x.id === followUpId);
  switch (outcome) {
    case 'opted-out':
      s.status = 'opted-out';
      endAll(s, 'opted-out');
      return;
    case 'invalid':
      s.status = 'invalid';
      endAll(s, 'invalid-number');
      return;
    case 'wrong-number':
      s.status = 'invalid';
      endAll(s, 'wrong-number');
      return;
  }
  if (!f || f.status !== 'active') return settle(s);
  if (f.text !== undefined && (outcome === 'sms-sent' || outcome === 'sms-failed')) {
    // the script's text went (or the carrier refused it for good): nothing more to do
    f.status = 'done';
    f.endReason = outcome;
    if (outcome === 'sms-failed' && s.budget === 'shared') {
      const day = localDate(at, s.timeZone);
      s.smsByDay[day] = Math.max(0, (s.smsByDay[day] ?? 1) - 1);
    }
    return settle(s);
  }
  switch (outcome) {
    case 'callback':
      // the person asked for a later call: from that time on, by the rules (quiet hours, windows, the daily cap)
      if (f.attempts >= f.strategy.maxAttempts) {
        f.status = 'stopped';
        f.endReason = 'max-attempts';
        break;
      }
      f.notBefore = Math.max(at, callbackAt ?? at + (f.strategy.script?.callbackDelayMinutes ?? 120) * 60_000);
      break;
    case 'answered':
    case 'converted':
    case 'not-interested':
      f.status = 'done';
      f.endReason = outcome;
      break;
    case 'carrier-failure': {
      // the carrier's fault: it costs the contact neither an attempt nor a place in the day's budget
      if (channel === 'call') {
        const day = localDate(at, s.timeZone);
        s.callsByDay[day] = Math.max(0, (s.callsByDay[day] ?? 1) - 1);
        f.attempts = Math.max(0, f.attempts - 1);
      } else {
        f.smsDue = true;
        f.smsSent = Math.max(0, f.smsSent - 1);
        if (s.budget === 'shared') {
          const day = localDate(at, s.timeZone);
          s.smsByDay[day] = Math.max(0, (s.smsByDay[day] ?? 1) - 1);
        }
      }
      f.notBefore = at + CARRIER_RETRY_MS;
      break;
    }
    case 'sms-failed':
      // a text the carrier never took is not a contact: it gives its place in the day's budget back
      if (s.budget === 'shared') {
        const day = localDate(at, s.timeZone);
        s.smsByDay[day] = Math.max(0, (s.smsByDay[day] ?? 1) - 1);
      }
      break;
    case 'sms-sent':
      break;
    case 'machine':
    case 'no-answer':
    case 'busy': {
      if (outcome === 'machine' && f.strategy.answeringMachine === 'stop') {
        f.status = 'done';
        f.endReason = 'machine';
        break;
      }
      // by default a machine counts like no answer
      f.unanswered += 1;
      if (f.attempts >= f.strategy.maxAttempts) {
        f.status = 'stopped';
        f.endReason = 'max-attempts';
        break;
      }
      const delays = f.strategy.redialDelaysMinutes;
      const delay = delays[Math.min(f.unanswered - 1, delays.length - 1)] ?? 3;
      f.notBefore = at + delay * 60_000;
      if (f.strategy.sms && f.smsSent === 0 && f.unanswered >= f.strategy.sms.afterUnansweredCalls) {
        f.smsDue = true;
      }
      break;
    }
  }
  settle(s);
}

/**
 * The person texted back (not an opt-out): with `sms.onReply === 'callback'` the campaign's active
 * follow-up calls at the first allowed instant instead of waiting out its redial delay (the plan
 * and the gate still apply quiet hours, windows and the daily cap). True when it moved the call.
 */
export function applyReply(s: CadenceState, campaignId: string, at: number): boolean {
  if (isClosed(s)) return false;
  const f = activeFollowUps(s).find((x) => x.campaignId === campaignId && x.text === undefined);
  if (!f || f.strategy.sms?.onReply !== 'callback') return false;
  f.notBefore = Math.min(f.notBefore, at);
  return true;
}

/** Texts of one call longer than this are not joined: the later one waits for its own follow-up. */
const SCRIPT_TEXT_MAX = 640;
const urls = (t: string) => t.match(/https?:\/\/\S+/g) ?? [];

/**
 * The call's script promised a text (services/call-script.ts): it goes after the call, through the
 * gate like every text (DNC, windows, the daily budget), as a follow-up of its own that only sends
 * it. Texts asked for in the same call are joined into one; one that adds no link already in it is
 * dropped. False when nothing changed (closed cadence, unknown campaign, nothing new).
 */
export function applyScriptText(s: CadenceState, r: { campaignId: string; attemptId: string; text: string; at: number }): boolean {
  if (isClosed(s)) return false;
  const parent = [...s.followUps].reverse().find((f) => f.campaignId === r.campaignId && f.text === undefined);
  if (!parent) return false;
  const id = `${r.campaignId}:text:${r.attemptId}`;
  const pending = s.followUps.find((f) => f.id === id);
  if (pending) {
    if (pending.status !== 'active' || !pending.smsDue) return false;
    const have = new Set(urls(pending.text ?? ''));
    const links = urls(r.text);
    const joined = `${pending.text}\n${r.text}`;
    if ((links.length > 0 && links.every((u) => have.has(u))) || pending.text === r.text || joined.length > SCRIPT_TEXT_MAX) return false;
    pending.text = joined;
    return true;
  }
  s.followUps.push({
    id,
    campaignId: r.campaignId,
    trigger: 'script-text',
    strategy: parent.strategy,
    strategyVersion: parent.strategyVersion,
    startedAt: r.at,
    deadlineAt: null,
    notBefore: r.at,
    attempts: 0,
    unanswered: 0,
    smsSent: 0,
    smsDue: true,
    status: 'active',
    text: r.text,
  });
  settle(s);
  return true;
}

export function applyProfile(s: CadenceState, p: ProfileChange) {
  if (p.timeZone) s.timeZone = p.timeZone;
  if (p.tags) s.tags = p.tags;
  if (p.industry !== undefined) s.industry = p.industry;
}

export function pause(s: CadenceState) {
  if (!isClosed(s)) s.status = 'paused';
}

export function resume(s: CadenceState) {
  if (s.status === 'paused') {
    s.status = 'idle';
    settle(s);
  }
}

export function optOut(s: CadenceState) {
  s.status = 'opted-out';
  endAll(s, 'opted-out');
}

export function cancel(s: CadenceState, campaignId?: string) {
  if (campaignId) {
    for (const f of activeFollowUps(s)) if (f.campaignId === campaignId) Object.assign(f, { status: 'stopped', endReason: 'cancelled' });
    settle(s);
    return;
  }
  endAll(s, 'cancelled');
  if (!isClosed(s)) s.status = 'cancelled';
}

export function isFinished(s: CadenceState): boolean {
  return isClosed(s);
}
