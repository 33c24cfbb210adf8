/**
 * An independent oracle for the compliance rules: local time from `toLocaleString` (not the
 * policy's own Intl.formatToParts arithmetic), and the next allowed instant found by scanning
 * minute by minute (not by the policy's window-jumping). Slow and obviously right.
 */
import type { Strategy } from '../../domain/strategy';

/**
 * The zone's offset is read with toLocaleString once per 15-minute bucket (every real offset
 * change happens on a quarter hour), which keeps minute-by-minute scans affordable.
 */
const offsets = new Map<string, number>();
const QUARTER = 15 * 60_000;

function offsetAt(t: number, tz: string): number {
  const bucket = t - (((t % QUARTER) + QUARTER) % QUARTER);
  const key = `${tz}@${bucket}`;
  let off = offsets.get(key);
  if (off === undefined) {
    const l = readLocale(bucket, tz);
    const [y, mo, d] = l.date.split('-').map(Number) as [number, number, number];
    off = Date.UTC(y, mo - 1, d, Math.floor(l.minute / 60), l.minute % 60) - bucket;
    if (offsets.size > 200_000) offsets.clear();
    offsets.set(key, off);
  }
  return off;
}

export function oracleLocal(t: number, tz: string): { date: string; minute: number; weekday: number } {
  const wall = new Date(t + offsetAt(t, tz));
  return {
    date: wall.toISOString().slice(0, 10),
    minute: wall.getUTCHours() * 60 + wall.getUTCMinutes(),
    weekday: ((wall.getUTCDay() + 6) % 7) + 1,
  };
}

function readLocale(t: number, tz: string): { date: string; minute: number; weekday: number } {
  const s = new Date(t).toLocaleString('en-CA', { timeZone: tz, hourCycle: 'h23', weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
  // e.g. "Tue, 2026-11-24, 20:55"
  const m = /(\w+), (\d{4}-\d{2}-\d{2}),? (\d{2}):(\d{2})/.exec(s);
  if (!m) throw new Error(`unexpected locale output: ${s}`);
  const weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(m[1]!) + 1;
  return { date: m[2]!, minute: Number(m[3]) * 60 + Number(m[4]), weekday };
}

const hm = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));

function inWindow(w: { start: string; end: string; days?: number[] }, minute: number, weekday: number): boolean {
  const s = hm(w.start);
  const e = hm(w.end);
  const on = (d: number) => !w.days || w.days.length === 0 || w.days.includes(d);
  if (s === e) return false;
  if (s < e) return on(weekday) && minute >= s && minute < e;
  return (minute >= s && on(weekday)) || (minute < e && on(weekday === 1 ? 7 : weekday - 1));
}

export type Rule = 'quiet-hours' | 'blocked-window' | 'holiday' | 'daily-cap';

/**
 * Which time rule forbids a call at t (the cap is checked against `callsOn`: the strategy's own cap
 * and the per-person ceiling across campaigns, whichever is reached first).
 */
export function oracleForbids(t: number, tz: string, s: Strategy, callsOn: (date: string) => number, ceiling = Infinity): Rule | null {
  const l = oracleLocal(t, tz);
  if (s.holidays.includes(l.date)) return 'holiday';
  if (callsOn(l.date) >= s.maxCallsPerDay || callsOn(l.date) >= ceiling) return 'daily-cap';
  if (inWindow(s.quietHours, l.minute, l.weekday)) return 'quiet-hours';
  if (s.blockedWindows.some((w) => inWindow(w, l.minute, l.weekday))) return 'blocked-window';
  return null;
}

/** The first allowed instant at or after `from`, scanning every minute boundary up to `horizonMs` (8 days). */
export function oracleNextAllowed(from: number, tz: string, s: Strategy, callsOn: (date: string) => number, horizonMs = 8 * 86_400_000, ceiling = Infinity): number | null {
  if (!oracleForbids(from, tz, s, callsOn, ceiling)) return from;
  for (let t = from - (from % 60_000) + 60_000; t <= from + horizonMs; t += 60_000) if (!oracleForbids(t, tz, s, callsOn, ceiling)) return t;
  return null;
}
