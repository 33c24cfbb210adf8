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

/**
 * The first instant at or after local `date` + `minute` in `tz`. When that wall time does not exist
 * (spring-forward gap), this is the first instant after the gap.
 */
export function zonedInstant(date: { year: number; month: number; day: number }, minute: number, tz: string): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day, Math.floor(minute / 60), minute % 60);
  let guess = wall - offsetAt(wall, tz);
  guess = wall - offsetAt(guess, tz);
  const got = localParts(guess, tz);
  const gotWall = Date.UTC(got.year, got.month - 1, got.day, Math.floor(got.minute / 60), got.minute % 60);
  // in a DST gap the guess lands before the wanted wall time: move forward by the difference
  return gotWall < wall ? guess + (wall - gotWall) : guess;
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
