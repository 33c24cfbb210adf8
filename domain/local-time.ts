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
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

export function isValidTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

/*
 * The formatter is the only source of a zone's rules, and it is slow (microseconds a reading, with
 * garbage); planning reads local time dozens of times per attempt, and a dry run over 100,000
 * events millions of times. So a zone's UTC offset is read from the formatter a few times per UTC
 * day and kept: at the day's start, noon and end; where two readings differ, the change (a DST
 * transition) is found to the second by bisection. Local time is then the instant plus the offset,
 * and the calendar is integer arithmetic. The one assumption: a zone does not change its offset
 * twice within 12 hours and back (a change and its undoing between two readings would go unseen).
 * test/local-time.test.ts checks it against an independent reading across zones, transitions and decades.
 */
const SECOND_MS = 1000;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const HALF_DAY_MS = DAY_MS / 2;

/** The offset (ms, local = utc + offset) the formatter shows at a second-aligned instant. */
function formattedOffset(instant: number, tz: string): number {
  const p: Record<string, string> = {};
  for (const { type, value } of formatter(tz).formatToParts(new Date(instant))) p[type] = value;
  const local = (daysFromCivil(Number(p.year), Number(p.month), Number(p.day)) * 86_400 + Number(p.hour) * 3600 + Number(p.minute) * 60 + Number(p.second)) * SECOND_MS;
  return local - instant;
}

/** From `from` on (to the next piece), the zone is `offset` ahead of UTC. */
interface Piece {
  from: number;
  offset: number;
}

interface ZoneOffsets {
  /** Per UTC day number: the offset all day, or the day's pieces when it changes during it. */
  days: Map<number, number | Piece[]>;
  /** The span of the last reading: most readings fall in the same one as the one before. */
  from: number;
  to: number;
  offset: number;
}

const zones = new Map<string, ZoneOffsets>();
/** Days kept per zone, and calendar days, before a cache starts over (years: planning looks days ahead). */
const ZONE_DAYS_MAX = 4000;
const CALENDAR_DAYS_MAX = 20_000;

/** The day's pieces between two readings that differ: each change found to the second. */
function splitAt(tz: string, lo: number, atLo: number, hi: number, atHi: number, out: Piece[]) {
  if (atLo === atHi) return;
  if (hi - lo <= SECOND_MS) {
    out.push({ from: hi, offset: atHi });
    return;
  }
  const mid = lo + Math.floor((hi - lo) / (2 * SECOND_MS)) * SECOND_MS;
  const atMid = formattedOffset(mid, tz);
  splitAt(tz, lo, atLo, mid, atMid, out);
  splitAt(tz, mid, atMid, hi, atHi, out);
}

function learnDay(tz: string, day: number): number | Piece[] {
  const start = day * DAY_MS;
  const readings = [start, start + HALF_DAY_MS, start + DAY_MS].map((t) => formattedOffset(t, tz));
  const [a, b, c] = readings as [number, number, number];
  if (a === b && b === c) return a;
  const pieces: Piece[] = [{ from: start, offset: a }];
  splitAt(tz, start, a, start + HALF_DAY_MS, b, pieces);
  splitAt(tz, start + HALF_DAY_MS, b, start + DAY_MS, c, pieces);
  // a change at the next day's first instant belongs to that day
  const today = pieces.filter((p) => p.from < start + DAY_MS);
  return today.length === 1 ? a : today;
}

/** The zone's offset from UTC at an instant, in ms (local = utc + offset). */
let lastTz = '';
let lastOffsets: ZoneOffsets | undefined;

function offsetAt(instant: number, tz: string): number {
  // one contact's planning reads one zone many times in a row
  let z = tz === lastTz ? lastOffsets : zones.get(tz);
  if (!z) {
    formatter(tz); // an unknown zone throws here, as the formatter does
    zones.set(tz, (z = { days: new Map(), from: 0, to: 0, offset: 0 }));
  }
  lastTz = tz;
  lastOffsets = z;
  if (instant >= z.from && instant < z.to) return z.offset;
  if (!(Math.abs(instant) <= 8.64e15)) throw new RangeError('Invalid time value');
  const day = Math.floor(instant / DAY_MS);
  let d = z.days.get(day);
  if (d === undefined) {
    d = learnDay(tz, day);
    if (z.days.size >= ZONE_DAYS_MAX) z.days.clear();
    z.days.set(day, d);
  }
  if (typeof d === 'number') {
    z.from = day * DAY_MS;
    z.to = z.from + DAY_MS;
    z.offset = d;
    return d;
  }
  let i = d.length - 1;
  while (i > 0 && d[i]!.from > instant) i--;
  z.from = d[i]!.from;
  z.to = i + 1 < d.length ? d[i + 1]!.from : (day + 1) * DAY_MS;
  z.offset = d[i]!.offset;
  return z.offset;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

type DayFields = Omit<LocalParts, 'minute'>;
const calendar = new Map<number, DayFields>();

/** The calendar fields of a day counted from 1970-01-01 (H. Hinnant's civil_from_days), remembered. */
function dayFields(n: number): DayFields {
  let d = calendar.get(n);
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
  if (calendar.size >= CALENDAR_DAYS_MAX) calendar.clear();
  calendar.set(n, d);
  return d;
}

export function localParts(instant: number, tz: string): LocalParts {
  const wall = instant + offsetAt(instant, tz);
  const n = Math.floor(wall / DAY_MS);
  const d = dayFields(n);
  return { year: d.year, month: d.month, day: d.day, minute: Math.floor((wall - n * DAY_MS) / MINUTE_MS), weekday: d.weekday, date: d.date };
}

export function localDate(instant: number, tz: string): string {
  const wall = instant + offsetAt(instant, tz);
  return dayFields(Math.floor(wall / DAY_MS)).date;
}

/** The local wall-clock reading of an instant, to the minute, as a UTC-based number (for comparisons). */
function wallOf(instant: number, tz: string): number {
  return Math.floor((instant + offsetAt(instant, tz)) / MINUTE_MS) * MINUTE_MS;
}

/**
 * The first instant whose local wall time in `tz` is `date` + `minute` or later. When that wall
 * time occurs twice (fall back), the earlier one; when it does not exist (spring forward), the
 * instant the clocks jump, which is the first moment at or past it. A day past the month's end
 * counts on into the next month.
 */
export function zonedInstant(date: { year: number; month: number; day: number }, minute: number, tz: string): number {
  return instantOfWall(Date.UTC(date.year, date.month - 1, date.day, Math.floor(minute / 60), minute % 60), tz);
}

function instantOfWall(wall: number, tz: string): number {
  const a = wall - offsetAt(wall, tz);
  const b = wall - offsetAt(a, tz);
  const exactA = wallOf(a, tz) === wall;
  const exactB = wallOf(b, tz) === wall;
  if (exactA && exactB) return Math.min(a, b);
  if (exactA) return a;
  if (exactB) return b;
  // in a gap: the two offsets bracket the jump; find its minute by bisection
  let lo = Math.min(a, b);
  let hi = Math.max(a, b);
  while (hi - lo > MINUTE_MS) {
    const mid = lo + Math.floor((hi - lo) / (2 * MINUTE_MS)) * MINUTE_MS;
    if (wallOf(mid, tz) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Local midnight of the day after `instant`'s local day. */
export function nextLocalMidnight(instant: number, tz: string): number {
  const wall = instant + offsetAt(instant, tz);
  return instantOfWall((Math.floor(wall / DAY_MS) + 1) * DAY_MS, tz);
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
