import { parseHm } from './local-time';

/** A daily local-time window [start, end); end <= start means it crosses midnight. */
export interface Window {
  start: string;
  end: string;
  /** ISO weekdays it applies to; all days when absent. */
  days?: number[];
}

/** Where a window ends, in local wall time: `dayOffset` days after the day being tested, at `minute`. */
export interface WallEnd {
  dayOffset: 0 | 1;
  minute: number;
}

/**
 * If local `minute` (on ISO `weekday`) is inside the window, returns where it ends; otherwise null.
 * A window crossing midnight belongs to the day it starts on (a Friday-only 21:00–08:00 window also
 * covers Saturday morning).
 */
export function windowEndIfInside(w: Window, minute: number, weekday: number): WallEnd | null {
  const s = parseHm(w.start);
  const e = parseHm(w.end);
  if (s === e) return null;
  if (s < e) return appliesTo(w, weekday) && minute >= s && minute < e ? { dayOffset: 0, minute: e } : null;
  if (minute >= s && appliesTo(w, weekday)) return { dayOffset: 1, minute: e };
  const yesterday = weekday === 1 ? 7 : weekday - 1;
  if (minute < e && appliesTo(w, yesterday)) return { dayOffset: 0, minute: e };
  return null;
}

// a module-level function, not a closure per call: planning reads windows millions of times in a dry run
function appliesTo(w: Window, weekday: number): boolean {
  return !w.days || w.days.length === 0 || w.days.includes(weekday);
}
