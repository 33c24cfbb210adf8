import { localParts } from '../../workflows/policy/local-time';

/** A fixed-offset zone where the local time right now is mid-afternoon: inside every default window, whenever CI runs. */
export function afternoonZone(now = Date.now()): string {
  for (let off = -12; off <= 14; off++) {
    // Etc/GMT-N is N hours *ahead* of UTC (POSIX sign convention)
    const tz = off === 0 ? 'Etc/UTC' : `Etc/GMT${off > 0 ? '-' : '+'}${Math.abs(off)}`;
    const h = Math.floor(localParts(now, tz).minute / 60);
    if (h >= 14 && h < 15) return tz;
  }
  throw new Error('no afternoon zone found');
}
