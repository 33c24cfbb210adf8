/** Small helpers the maintenance checks share. */
import { heartbeat } from '@temporalio/activity';
import { zoneAtLocalHour } from '../../domain/local-time';

export const DAY = 24 * 3600_000;

/** Who the checks' audit records and campaigns are attributed to. */
export const ACTOR = 'maintenance';

export const mask = (phone: string) => `${phone.slice(0, -4).replace(/\d/g, '•')}${phone.slice(-4)}`;

/** A zone where it is noon now, so a check's call is never in quiet hours. */
export const noonZone = () => zoneAtLocalHour(12, Date.now());

export async function waitFor<T>(fn: () => Promise<T | null | undefined | false>, timeoutMs: number): Promise<T | null> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const v = await fn();
    if (v) return v;
    heartbeat();
    await new Promise((r) => setTimeout(r, 500));
  }
  return null;
}
