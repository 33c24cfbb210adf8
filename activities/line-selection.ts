/**
 * Which line carries a call: the tier the contact's tags ask for, failing over to the next
 * healthy line when a line's carrier failure rate reaches the threshold, and probing a failed
 * line now and then until it proves healthy again (hysteresis: fail at ≥10%, recover only after
 * clean probes).
 */
import type { Db } from '../db/client';
import { claimProbe, lineHealth, linesFor, setLineState, type Line } from '../db/queries/lines';

export interface FailoverPolicy {
  /** The rolling window line health is computed over: at most `windowCalls` calls of the last `windowMs`. */
  windowMs: number;
  windowCalls: number;
  /** Fewer calls than this in the window say nothing about a line. */
  minSamples: number;
  /** Failure rate at which a line is failed over (DESIGN.md: 10%). */
  failAt: number;
  /** A failed line gets one probe call this often. */
  probeEveryMs: number;
  /** Probes since the failure, all clean, before the line is active again. */
  probesToRecover: number;
}

export const defaultFailover: FailoverPolicy = { windowMs: 5 * 60_000, windowCalls: 50, minSamples: 10, failAt: 0.1, probeEveryMs: 15_000, probesToRecover: 3 };

export async function selectLine(db: Db, tier: string, policy: FailoverPolicy, log: (m: string) => void): Promise<Line | null> {
  const candidates = await linesFor(db, tier);
  let fallback: Line | null = null;
  for (const line of candidates) {
    if (line.state === 'active') {
      const h = await lineHealth(db, line.id, { since: new Date(Date.now() - policy.windowMs), lastN: policy.windowCalls });
      if (h.calls >= policy.minSamples && h.failureRate >= policy.failAt) {
        if (await setLineState(db, line.id, 'active', 'failed')) log(`line ${line.id} failed over: ${h.failures} carrier failures in its last ${h.calls} calls`);
        continue;
      }
      return line;
    }
    if (line.state === 'failed') {
      const probes = await lineHealth(db, line.id, { since: line.stateChangedAt, lastN: policy.probesToRecover });
      if (probes.calls === policy.probesToRecover && probes.failures === 0) {
        if (await setLineState(db, line.id, 'failed', 'active')) log(`line ${line.id} recovered after ${probes.calls} clean probes`);
        return line;
      }
      if (await claimProbe(db, line.id, policy.probeEveryMs)) return line;
      fallback ??= line;
    }
  }
  // every line is failed: keep calling on the preferred one rather than stop the business
  return fallback;
}
