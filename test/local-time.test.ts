/** DST-correct wall-clock arithmetic: the cases the property test found or would need luck to find. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { localParts, nextLocalMidnight, zonedInstant } from '../domain/local-time';
import { nextAllowedInstant } from '../domain/next-attempt';
import { strategySchema } from '../domain/strategy';
import { oracleLocal } from './helpers/oracle';

const iso = (t: number) => new Date(t).toISOString();

test('a wall time inside a spring-forward gap maps to the moment the clocks jump', () => {
  // Pacific/Chatham jumped 02:45 → 03:45 on 2026-09-27 (14:00Z)
  assert.equal(iso(zonedInstant({ year: 2026, month: 9, day: 27 }, 2 * 60 + 46, 'Pacific/Chatham')), '2026-09-26T14:00:00.000Z');
  // New York jumps 02:00 → 03:00 on 2027-03-14 (07:00Z)
  assert.equal(iso(zonedInstant({ year: 2027, month: 3, day: 14 }, 2 * 60 + 30, 'America/New_York')), '2027-03-14T07:00:00.000Z');
});

test('a wall time that occurs twice (fall back) maps to its first occurrence', () => {
  // New York: 01:30 on 2027-11-07 is 05:30Z (EDT) and again 06:30Z (EST)
  assert.equal(iso(zonedInstant({ year: 2027, month: 11, day: 7 }, 90, 'America/New_York')), '2027-11-07T05:30:00.000Z');
});

test('ordinary wall times and midnights round-trip in odd-offset zones', () => {
  for (const tz of ['Asia/Kolkata', 'Asia/Kathmandu', 'Pacific/Chatham', 'America/St_Johns', 'Asia/Shanghai']) {
    const t = zonedInstant({ year: 2027, month: 6, day: 15 }, 8 * 60, tz);
    assert.deepEqual([localParts(t, tz).date, localParts(t, tz).minute], ['2027-06-15', 480], tz);
    const m = nextLocalMidnight(t, tz);
    assert.deepEqual([localParts(m, tz).date, localParts(m, tz).minute], ['2027-06-16', 0], tz);
  }
});

test('the only allowed minute of a spring-forward day is found, not skipped', () => {
  const s = strategySchema.parse({ quietHours: { start: '03:46', end: '00:00' }, blockedWindows: [{ start: '00:00', end: '02:46' }] });
  const next = nextAllowedInstant(Date.UTC(2026, 8, 25, 15, 1), 'Pacific/Chatham', s, {});
  assert.equal(iso(next.at!), '2026-09-26T14:00:00.000Z'); // 03:45 local, right after the jump
});

test('the cached local time equals an independent reading for instants across zones, DST transitions and centuries', () => {
  const zones = ['America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Asia/Kathmandu', 'America/St_Johns', 'Pacific/Apia', 'Africa/Casablanca', 'Asia/Shanghai', 'Etc/GMT-14', 'UTC'];
  // a fixed pseudo-random walk: minutes near DST changes, odd seconds, far past and future
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const instants: number[] = [];
  for (let i = 0; i < 4000; i++) instants.push(Date.UTC(1971, 0, 1) + Math.floor(rnd() * (Date.UTC(2060, 0, 1) - Date.UTC(1971, 0, 1))));
  // every minute across New York's and Lord Howe's (30-minute) transitions in 2027
  for (const start of [Date.UTC(2027, 2, 14, 6), Date.UTC(2027, 10, 7, 5), Date.UTC(2027, 3, 3, 14), Date.UTC(2027, 9, 2, 15)]) for (let m = 0; m < 180; m++) instants.push(start + m * 60_000 + 17_000);
  for (const tz of zones) {
    for (const t of instants) {
      const got = localParts(t, tz);
      const want = oracleLocal(t, tz);
      assert.deepEqual([got.date, got.minute, got.weekday], [want.date, want.minute, want.weekday], `${tz} at ${iso(t)}`);
    }
  }
});
