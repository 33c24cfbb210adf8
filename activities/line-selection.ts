/**
 * Which line carries a call: the tier the contact's tags ask for, failing over to the next
 * healthy line when a line's carrier failure rate reaches the threshold, and probing a line taken
 * out automatically now and then until it proves healthy again (hysteresis: fail at ≥10%, recover
 * only after clean probes). A line the daily routine closed is probed the same way once its
 * cool-down is over; a line an admin closed is never chosen. Taking a line out and bringing it
 * back are services/line-service.ts's (audited, ops alerted when a tier is left without a line).
 */
import { shouldFailOver, type FailoverPolicy } from '../domain/failover';
import { probesClean } from '../domain/line-service';
import { claimProbe, lineHealth, linesFor, type Line } from '../db/queries/lines';
import { bringLineBack, takeLineOut, type LineServiceDeps } from '../services/line-service';

/** Who moves a line in selection: its audit rows name the rule, not a person. */
export const SELECTION_ACTOR = 'line-selection';

export async function selectLine(deps: LineServiceDeps, tier: string, policy: FailoverPolicy, log: (m: string) => void): Promise<Line | null> {
  const { db } = deps;
  const candidates = await linesFor(db, tier);
  let fallback: Line | null = null;
  for (const line of candidates) {
    if (line.state === 'active') {
      const h = await lineHealth(db, line.id, { since: new Date(Date.now() - policy.windowMs), lastN: policy.windowCalls });
      if (shouldFailOver(h, policy)) {
        const r = await takeLineOut(deps, { lineId: line.id, from: 'active', to: 'failed', by: 'failover', actor: SELECTION_ACTOR, detail: { failures: h.failures, calls: h.calls } });
        if (r.changed) log(`line ${line.id} failed over: ${h.failures} carrier failures in its last ${h.calls} calls; its tier's calls go to ${r.trafficTo ?? 'no line in service'}`);
        continue;
      }
      return line;
    }
    // closed by the daily routine: left alone for its cool-down, then probed like a failed line
    if (line.state === 'closed' && Date.now() - line.stateChangedAt.getTime() < policy.closedCoolDownMs) continue;
    const probes = await lineHealth(db, line.id, { since: line.stateChangedAt, lastN: policy.probesToRecover });
    if (probesClean(line.closedBy, probes, policy.probesToRecover)) {
      if (await bringLineBack(deps, { lineId: line.id, from: line.state, actor: SELECTION_ACTOR, detail: { probes: probes.calls } })) log(`line ${line.id} back in service after ${probes.calls} clean probes`);
      return line;
    }
    if (await claimProbe(db, line.id, policy.probeEveryMs)) return line;
    if (line.state === 'failed') fallback ??= line;
  }
  // every line is failed: keep calling on the preferred one rather than stop the business
  return fallback;
}
