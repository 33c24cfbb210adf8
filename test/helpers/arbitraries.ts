import fc from 'fast-check';
import { strategySchema, type Strategy } from '../../domain/strategy';

/** Zones with DST both ways, half- and three-quarter-hour offsets, and none. */
export const zones = ['America/New_York', 'America/Los_Angeles', 'Europe/London', 'Europe/Berlin', 'Australia/Sydney', 'Asia/Shanghai', 'Asia/Kolkata', 'America/St_Johns', 'Pacific/Chatham', 'Etc/UTC'];

const hhmm = fc.integer({ min: 0, max: 1439 }).map((m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`);
const window = fc
  .record({ start: hhmm, end: hhmm, days: fc.option(fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }), { nil: undefined }) })
  .filter((w) => w.start !== w.end)
  .map((w) => (w.days ? w : { start: w.start, end: w.end }));

/** Instants between 2026 and 2029: both DST changes of every zone, several times over. */
export const instant = fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2029, 0, 1) });

/** `maxCalls`: the range of the strategy's own daily cap (some above the per-person ceiling, which must still hold). */
export function strategyArb(start?: number, maxCalls = { min: 1, max: 4 }): fc.Arbitrary<Strategy> {
  const day = (offsetDays: number) => new Date((start ?? Date.UTC(2027, 0, 1)) + offsetDays * 86_400_000).toISOString().slice(0, 10);
  return fc
    .record({
      quietHours: fc.oneof({ weight: 3, arbitrary: fc.constant({ start: '21:00', end: '08:00' }) }, { weight: 2, arbitrary: window.map(({ start, end }) => ({ start, end })) }),
      blockedWindows: fc.oneof(fc.constant([]), fc.constant([{ start: '11:00', end: '13:00' }, { start: '17:00', end: '19:00' }]), fc.array(window, { maxLength: 2 })),
      holidays: fc.array(fc.integer({ min: -1, max: 6 }).map(day), { maxLength: 2 }),
      maxCallsPerDay: fc.integer(maxCalls),
      maxAttempts: fc.integer({ min: 1, max: 8 }),
      redialDelaysMinutes: fc.array(fc.integer({ min: 1, max: 600 }), { minLength: 1, maxLength: 3 }),
      jitterSeconds: fc.integer({ min: 0, max: 300 }),
      sms: fc.option(fc.record({ afterUnansweredCalls: fc.integer({ min: 1, max: 3 }), text: fc.constant('We tried to call you: https://example.test/r'), maxPerDay: fc.integer({ min: 1, max: 2 }) }), { nil: null }),
      firstContactWithinMinutes: fc.record({ 'lead.created': fc.integer({ min: 0, max: 240 }), 'cart.abandoned': fc.integer({ min: 0, max: 240 }) }),
      firstContactAfterMinutes: fc.record({ 'cart.abandoned': fc.integer({ min: 0, max: 90 }) }),
      answeringMachine: fc.constantFrom('like-no-answer' as const, 'stop' as const),
      onDeadlineMissed: fc.constantFrom('call-anyway' as const, 'hand-off' as const),
    })
    .map((s) => strategySchema.parse(s));
}
