import { zoneAtLocalHour } from '../../domain/local-time';

/** A fixed-offset zone where the local hour right now is `hour`, whenever the tests run. */
export const zoneAt = (hour: number, now = Date.now()) => zoneAtLocalHour(hour, now);

/** Mid-afternoon local time: inside every default window. */
export const afternoonZone = (now = Date.now()) => zoneAt(14, now);
