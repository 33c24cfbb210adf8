import { localParts, nextLocalMidnight, zonedInstant, type LocalParts } from './local-time';
import type { Strategy } from './strategy';
import { windowEndIfInside, type WallEnd } from './windows';

/** Why an instant is not allowed. Stable strings: they are stored in the compliance log. */
export type WindowRule = 'quiet-hours' | 'blocked-window' | 'holiday' | 'daily-cap';

export type WindowPolicy = Pick<Strategy, 'quietHours' | 'blockedWindows' | 'holidays' | 'maxCallsPerDay'>;

/** Attempts already reserved per local calendar day (YYYY-MM-DD), across all campaigns. For SMS the caller saturates days at their SMS cap. */
export type CallsByDay = Readonly<Record<string, number>>;

export interface Refusal {
  rule: WindowRule;
  /** The instant the rule stops applying (the next instant worth checking). */
  until: number;
}

function wallToInstant(p: LocalParts, end: WallEnd, tz: string): number {
  return zonedInstant({ year: p.year, month: p.month, day: p.day + end.dayOffset }, end.minute, tz);
}

/** The first rule that forbids a call at `t` in time zone `tz`, or null when a call is allowed. */
export function refusalAt(t: number, tz: string, s: WindowPolicy, callsByDay: CallsByDay): Refusal | null {
  const p = localParts(t, tz);
  if (s.holidays.includes(p.date)) return { rule: 'holiday', until: nextLocalMidnight(t, tz) };
  if ((callsByDay[p.date] ?? 0) >= s.maxCallsPerDay) return { rule: 'daily-cap', until: nextLocalMidnight(t, tz) };
  const quiet = windowEndIfInside(s.quietHours, p.minute, p.weekday);
  if (quiet) return { rule: 'quiet-hours', until: wallToInstant(p, quiet, tz) };
  for (const w of s.blockedWindows) {
    const end = windowEndIfInside(w, p.minute, p.weekday);
    if (end) return { rule: 'blocked-window', until: wallToInstant(p, end, tz) };
  }
  return null;
}

export interface NextAllowed {
  /** The earliest allowed instant at or after `from`; null when none exists within the horizon. */
  at: number | null;
  /** Rules that pushed the instant later than `from`, in the order met. */
  waitedFor: WindowRule[];
}

/** A year: past it, a strategy (e.g. holidays on every day) forbids calling altogether. */
const HORIZON_MS = 366 * 24 * 3600 * 1000;

export function nextAllowedInstant(from: number, tz: string, s: WindowPolicy, callsByDay: CallsByDay): NextAllowed {
  let t = from;
  const waitedFor: WindowRule[] = [];
  for (let i = 0; i < 2000 && t - from <= HORIZON_MS; i++) {
    const r = refusalAt(t, tz, s, callsByDay);
    if (!r) return { at: t, waitedFor };
    if (waitedFor[waitedFor.length - 1] !== r.rule) waitedFor.push(r.rule);
    // always move forward, even if a DST quirk computed an end at or before t
    t = Math.max(r.until, t + 60_000 - (t % 60_000));
  }
  return { at: null, waitedFor };
}

/**
 * Spreads wake-ups when a window opens (no herd at 08:00): when the contact had to wait, add
 * `fraction` of the jitter, unless that would land somewhere not allowed.
 */
export function withJitter(
  next: NextAllowed,
  from: number,
  jitterSeconds: number,
  fraction: number,
  allowed: (t: number) => boolean,
): number | null {
  if (next.at === null) return null;
  if (next.at <= from || jitterSeconds === 0) return next.at;
  const jittered = next.at + Math.floor(fraction * jitterSeconds) * 1000;
  return allowed(jittered) ? jittered : next.at;
}
