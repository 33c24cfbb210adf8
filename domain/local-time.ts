/**
 * Wall-clock arithmetic in a contact's IANA time zone, DST-correct, using only Intl (deterministic
 * inside the workflow sandbox) and integer arithmetic. Instants are epoch milliseconds.
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

/** Local time by the formatter itself: the reference the cached path below must agree with. */
function formattedParts(instant: number, tz: string): LocalParts {
  const p: Record<string, string> = {};
  for (const { type, value } of formatter(tz).formatToParts(new Date(instant))) p[type] = value;
  const year = Number(p.year);
  const month = Number(p.month);
  const day = Number(p.day);
  const minute = Number(p.hour) * 60 + Number(p.minute);
  const date = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return { year, month, day, minute, weekday: WEEKDAYS[p.weekday ?? ''] ?? 1, date };
}

/*
 * Formatting a date in a zone costs microseconds, and planning asks for local time dozens of
 * times per attempt (a dry run over 100,000 events, millions of times). A zone's offset is
 * constant for hours at a time, so it is read from the formatter once per zone and UTC hour and
 * cached; the calendar day is integer arithmetic, cached per day. An hour in which the offset
 * changes (a DST transition: the offset read at its first and last minute differ), or an offset
 * that is not whole minutes (local mean time before 1900), goes to the formatter every time.
 */
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Offset per zone and UTC hour; NaN where the hour needs the formatter. */
const hourOffsets = new Map<string, Map<number, number>>();
const days = new Map<number, Omit<LocalParts, 'minute'>>();
/** Local parts per wall-clock minute (the same in every zone that reads it): shared, frozen. */
const minutes = new Map<number, Readonly<LocalParts>>();
/** Entries kept per map before it starts over (a year of hours for a dozen zones). */
const CACHE_MAX = 100_000;

/** The offset (ms) the formatter shows for a minute-aligned instant. */
function formattedOffset(minuteStart: number, tz: string): number {
  const p = formattedParts(minuteStart, tz);
  return Date.UTC(p.year, p.month - 1, p.day, Math.floor(p.minute / 60), p.minute % 60) - minuteStart;
}

function hourOffset(instant: number, tz: string): number {
  let zone = hourOffsets.get(tz);
  if (!zone) hourOffsets.set(tz, (zone = new Map()));
  const hour = Math.floor(instant / HOUR_MS);
  let off = zone.get(hour);
  if (off === undefined) {
    const first = formattedOffset(hour * HOUR_MS, tz);
    const last = formattedOffset(hour * HOUR_MS + HOUR_MS - 60_000, tz);
    off = first === last && first % 60_000 === 0 ? first : Number.NaN;
    if (zone.size >= CACHE_MAX) zone.clear();
    zone.set(hour, off);
  }
  return off;
}

/** The calendar fields of a day counted from 1970-01-01 (proleptic Gregorian; H. Hinnant's civil_from_days). */
function dayOf(n: number): Omit<LocalParts, 'minute'> {
  let d = days.get(n);
  if (d) return d;
  const z = n + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const date = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  d = { year, month, day, weekday: ((((n + 3) % 7) + 7) % 7) + 1, date };
  if (days.size >= CACHE_MAX) days.clear();
  days.set(n, d);
  return d;
}

export function localParts(instant: number, tz: string): Readonly<LocalParts> {
  const off = hourOffset(instant, tz);
  if (Number.isNaN(off) || !(Math.abs(instant) < 8.64e15)) return formattedParts(instant, tz);
  const wall = Math.floor((instant + off) / 60_000) * 60_000;
  let parts = minutes.get(wall);
  if (!parts) {
    const n = Math.floor(wall / DAY_MS);
    const d = dayOf(n);
    parts = Object.freeze({ year: d.year, month: d.month, day: d.day, minute: (wall - n * DAY_MS) / 60_000, weekday: d.weekday, date: d.date });
    if (minutes.size >= CACHE_MAX) minutes.clear();
    minutes.set(wall, parts);
  }
  return parts;
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

const hms = new Map<string, number>();

/** "HH:MM" → minutes since midnight (remembered: windows are read on every plan). */
export function parseHm(hm: string): number {
  let v = hms.get(hm);
  if (v === undefined) {
    const [h, m] = hm.split(':').map(Number);
    v = (h ?? 0) * 60 + (m ?? 0);
    if (hms.size >= 10_000) hms.clear();
    hms.set(hm, v);
  }
  return v;
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
