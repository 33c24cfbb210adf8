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

/** "HH:MM" → minutes since midnight (windows are read on every plan: the strategy's form by arithmetic). */
function parseHm(hm: string): number {
  if (hm.length === 5 && hm.charCodeAt(2) === 58) {
    const h1 = hm.charCodeAt(0) - 48;
    const h2 = hm.charCodeAt(1) - 48;
    const m1 = hm.charCodeAt(3) - 48;
    const m2 = hm.charCodeAt(4) - 48;
    if (h1 >= 0 && h1 <= 9 && h2 >= 0 && h2 <= 9 && m1 >= 0 && m1 <= 9 && m2 >= 0 && m2 <= 9) return (h1 * 10 + h2) * 60 + m1 * 10 + m2;
  }
  const [h, m] = hm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}
