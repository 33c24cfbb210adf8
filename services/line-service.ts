/**
 * Taking carrier lines out of service and bringing them back (issue 14.4), for every path that
 * does it — failover (activities/line-selection.ts), the daily routine (activities/maintenance/daily.ts)
 * and an admin (services/lines.ts): one transaction with every line locked (two closes at once
 * never leave no line), who took it out (lines.closed_by), an audit row for every close and
 * reopen, and an alert to ops when a tier is left with no line in service (its calls move to the
 * next tier: db/queries/lines.ts linesFor) or the whole system is.
 */
import type { Db } from '../db/client';
import { audit } from '../db/queries/audit';
import { lockAllLines, moveLine, type Line } from '../db/queries/lines';
import { coverageWithout, type ClosedBy } from '../domain/line-service';
import type { RaiseAlert } from './alerts';

export interface LineServiceDeps {
  db: Db;
  raiseAlert: RaiseAlert;
}

export type TakeOut =
  | { changed: true; line: Line; trafficTo: string | null; tierEmpty: boolean; lastInService: boolean }
  /**
   * not-in-state: another worker moved it first; last-in-service: the routine keeps the last line
   * in service open; last-open: an admin may not close the one line left that is not closed.
   */
  | { changed: false; refused: 'not-in-state' | 'last-in-service' | 'last-open'; trafficTo: string | null };

const actionOf = (to: 'failed' | 'closed') => (to === 'failed' ? 'line.fail-over' : 'line.close');

/**
 * Takes a line out of service. The routine never closes the last line in service (ops are
 * alerted instead); an admin never closes the last line that is not closed (lines are never all
 * closed: to stop calling, pause the campaigns or engage a lockdown); failover takes any line
 * out (a line failing every call carries nothing, and selection still falls back to a failed
 * line when nothing else is left).
 */
export async function takeLineOut(
  deps: LineServiceDeps,
  input: { lineId: string; from: string; to: 'failed' | 'closed'; by: ClosedBy; actor: string; detail?: Record<string, unknown> },
): Promise<TakeOut> {
  const r = await deps.db.transaction(async (t): Promise<TakeOut> => {
    const all = await lockAllLines(t);
    const before = all.find((l) => l.id === input.lineId);
    if (!before || before.state !== input.from) return { changed: false, refused: 'not-in-state', trafficTo: null };
    const cover = coverageWithout(all, before.id, before.tier);
    const trafficTo = cover.trafficTo?.id ?? null;
    if (input.by === 'routine' && cover.lastInService) return { changed: false, refused: 'last-in-service', trafficTo };
    if (input.by === 'admin' && !all.some((l) => l.id !== before.id && l.state !== 'closed')) return { changed: false, refused: 'last-open', trafficTo };
    const line = (await moveLine(t, before.id, input.from, input.to, input.by))!;
    await audit(t, {
      actor: input.actor,
      action: actionOf(input.to),
      target: line.id,
      before: { state: before.state, closedBy: before.closedBy },
      after: { state: line.state, closedBy: line.closedBy, trafficTo, ...input.detail },
    });
    return { changed: true, line, trafficTo, tierEmpty: cover.tierEmpty, lastInService: cover.lastInService };
  });
  if (r.changed) await alertCoverage(deps, r, input.by);
  else if (r.refused === 'last-in-service') {
    await deps.raiseAlert({
      kind: 'line-last-open',
      severity: 'critical',
      message: `Line ${input.lineId} is under the bar but is the last line in service: left open (closing it would stop every call). Add or reopen a line, then close it.`,
      detail: { lineId: input.lineId, ...input.detail },
    });
  }
  return r;
}

/** Tells ops when the close left its tier (or everything) without a line in service. */
async function alertCoverage(deps: LineServiceDeps, r: Extract<TakeOut, { changed: true }>, by: ClosedBy) {
  const { line } = r;
  if (r.lastInService) {
    await deps.raiseAlert({
      kind: 'line-none-in-service',
      severity: 'critical',
      message: `No line in service: line ${line.id} (${line.tier}) was ${by === 'failover' ? 'failed over' : `closed by ${by}`}; calls go out only on lines being probed, if any`,
      detail: { lineId: line.id, tier: line.tier, closedBy: by },
    });
  } else if (r.tierEmpty) {
    await deps.raiseAlert({
      kind: 'line-tier-empty',
      severity: 'warning',
      message: `Tier ${line.tier} has no line in service: line ${line.id} was ${by === 'failover' ? 'failed over' : `closed by ${by}`}; its calls go to line ${r.trafficTo}`,
      detail: { lineId: line.id, tier: line.tier, closedBy: by, trafficTo: r.trafficTo },
    });
  }
}

/** Brings a line taken out back into service (clean probes, or an admin); audited `line.reopen`. Null when it was no longer in `from`. */
export async function bringLineBack(deps: LineServiceDeps, input: { lineId: string; from: string; actor: string; detail?: Record<string, unknown> }): Promise<Line | null> {
  const r = await deps.db.transaction(async (t) => {
    const all = await lockAllLines(t);
    const before = all.find((l) => l.id === input.lineId);
    if (!before || before.state !== input.from) return null;
    const line = (await moveLine(t, before.id, input.from, 'active', null))!;
    await audit(t, { actor: input.actor, action: 'line.reopen', target: line.id, before: { state: before.state, closedBy: before.closedBy }, after: { state: 'active', ...input.detail } });
    return { line, before };
  });
  if (!r) return null;
  await deps.raiseAlert({
    kind: 'line-reopened',
    severity: 'info',
    message: `Line ${r.line.id} (${r.line.tier}) is back in service (${r.before.closedBy === 'admin' || !r.before.closedBy ? 'opened by an admin' : `taken out by ${r.before.closedBy}, ${input.detail?.probes ?? 'clean'} clean probes`})`,
    detail: { lineId: r.line.id, tier: r.line.tier, ...input.detail },
  });
  return r.line;
}
