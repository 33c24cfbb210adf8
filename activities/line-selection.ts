/**
 * Which line carries a call: the tier the contact's tags ask for, failing over to the next
 * healthy line when a line's carrier failure rate reaches the threshold, and probing a failed
 * line now and then until it proves healthy again (hysteresis: fail at ≥10%, recover only after
 * clean probes).
 */
import type { Db } from '../db/client';
import { hasRecovered, shouldFailOver, type FailoverPolicy } from '../domain/failover';
import { claimProbe, lineHealth, linesFor, setLineState, type Line } from '../db/queries/lines';

export async function selectLine(db: Db, tier: string, policy: FailoverPolicy, log: (m: string) => void): Promise<Line | null> {
  const candidates = await linesFor(db, tier);
  let fallback: Line | null = null;
  for (const line of candidates) {
    if (line.state === 'active') {
      const h = await lineHealth(db, line.id, { since: new Date(Date.now() - policy.windowMs), lastN: policy.windowCalls });
      if (shouldFailOver(h, policy)) {
        if (await setLineState(db, line.id, 'active', 'failed')) log(`line ${line.id} failed over: ${h.failures} carrier failures in its last ${h.calls} calls`);
        continue;
      }
      return line;
    }
    if (line.state === 'failed') {
      const probes = await lineHealth(db, line.id, { since: line.stateChangedAt, lastN: policy.probesToRecover });
      if (hasRecovered(probes, policy)) {
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
