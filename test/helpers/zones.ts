import { localParts } from '../../workflows/policy/local-time';

/** A fixed-offset zone where the local hour right now is `hour`, whenever the tests run. */
export function zoneAt(hour: number, now = Date.now()): string {
  for (let off = -12; off <= 14; off++) {
    // Etc/GMT-N is N hours *ahead* of UTC (POSIX sign convention)
    const tz = off === 0 ? 'Etc/UTC' : `Etc/GMT${off > 0 ? '-' : '+'}${Math.abs(off)}`;
    if (Math.floor(localParts(now, tz).minute / 60) === hour) return tz;
  }
  throw new Error(`no zone at hour ${hour}`);
}

/** Mid-afternoon local time: inside every default window. */
export const afternoonZone = (now = Date.now()) => zoneAt(14, now);
