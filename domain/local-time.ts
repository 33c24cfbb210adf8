/**
 * Wall-clock arithmetic in a contact's IANA time zone, DST-correct, using only Intl (deterministic
 * inside the workflow sandbox). Instants are epoch milliseconds.
 */
export interface LocalParts {
  year: number;
  month: number; // 1-12
  day: number;
  /** Minutes since local midnight, 0-1439. */
  minute: number;
  /** ISO weekday, 1 = Monday … 7 = Sunday. */
  weekday: number;
  /** YYYY-MM-DD, the local calendar day. */
  date: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
    formatters.set(tz, f);
  }
  return f;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

export function isValidTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

export function localParts(instant: number, tz: string): LocalParts {
  const p: Record<string, string> = {};
  for (const { type, value } of formatter(tz).formatToParts(new Date(instant))) p[type] = value;
  const year = Number(p.year);
  const month = Number(p.month);
  const day = Number(p.day);
  const minute = Number(p.hour) * 60 + Number(p.minute);
  const date = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return { year, month, day, minute, weekday: WEEKDAYS[p.weekday ?? ''] ?? 1, date };
}

export function localDate(instant: number, tz: string): string {
  return localParts(instant, tz).date;
}

/** Offset of the zone from UTC at an instant, in ms (local = utc + offset). */
function offsetAt(instant: number, tz: string): number {
  const p = localParts(instant, tz);
  const seconds = Math.floor(instant / 1000) % 60;
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, Math.floor(p.minute / 60), p.minute % 60, seconds);
  return asUtc - (instant - (instant % 1000));
}

/** The local wall-clock reading of a minute-aligned instant, as a UTC-based number (for comparisons). */
function wallOf(instant: number, tz: string): number {
  const p = localParts(instant, tz);
  return Date.UTC(p.year, p.month - 1, p.day, Math.floor(p.minute / 60), p.minute % 60);
}

/**
 * The first instant whose local wall time in `tz` is `date` + `minute` or later. When that wall
 * time occurs twice (fall back), the earlier one; when it does not exist (spring forward), the
 * instant the clocks jump, which is the first moment at or past it.
 */
export function zonedInstant(date: { year: number; month: number; day: number }, minute: number, tz: string): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day, Math.floor(minute / 60), minute % 60);
  const a = wall - offsetAt(wall, tz);
  const b = wall - offsetAt(a, tz);
  const exact = [a, b].filter((t) => wallOf(t, tz) === wall);
  if (exact.length) return Math.min(...exact);
  // in a gap: the two offsets bracket the jump; find its minute by bisection
  let lo = Math.min(a, b);
  let hi = Math.max(a, b);
  while (hi - lo > 60_000) {
    const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
    if (wallOf(mid, tz) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Local midnight of the day after `instant`'s local day. */
export function nextLocalMidnight(instant: number, tz: string): number {
  const p = localParts(instant, tz);
  const next = new Date(Date.UTC(p.year, p.month - 1, p.day + 1));
  return zonedInstant({ year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() }, 0, tz);
}

/** "HH:MM" → minutes since midnight. */
export function parseHm(hm: string): number {
  const [h, m] = hm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/**
 * A fixed-offset zone (Etc/GMT±N) where the local hour is `hour` at `now`: for synthetic calls
 * (self-checks, stress tests, benchmarks) that must fall inside every calling window.
 */
export function zoneAtLocalHour(hour: number, now: number): string {
  for (let off = -12; off <= 14; off++) {
    // Etc/GMT-N is N hours *ahead* of UTC (POSIX sign convention)
    const tz = off === 0 ? 'Etc/UTC' : `Etc/GMT${off > 0 ? '-' : '+'}${Math.abs(off)}`;
    if (Math.floor(localParts(now, tz).minute / 60) === hour) return tz;
  }
  throw new Error(`no zone at hour ${hour}`);
}
