/**
 * Which lines are in service, where a tier's calls go, and the rules for taking a line out and
 * bringing it back (issue 14.4: lines are never all closed). A line is taken out by failover
 * (state failed), by the daily routine (closed, connect rate under 85%) or by an admin (closed).
 * The first two come back on their own on clean probes (hysteresis, domain/failover.ts); an
 * admin's stays closed until an admin opens it.
 */
import type { Strategy } from './strategy';
import { LINE_TIERS, type LineTier } from './vocabulary';

export type ClosedBy = 'failover' | 'routine' | 'admin';
export const CLOSED_BY: readonly ClosedBy[] = ['failover', 'routine', 'admin'];

export interface LineState {
  id: string;
  tier: string;
  state: string;
  closedBy: string | null;
}

/** Carries calls now: active (a failed line only takes probes, or calls when nothing else is left). */
export const inService = (l: Pick<LineState, 'state'>) => l.state === 'active';

/** Taken out automatically: probed, and back on clean probes. An admin's close (or an unknown one) is not. */
export const reopensByItself = (l: Pick<LineState, 'state' | 'closedBy'>) => l.state !== 'active' && (l.closedBy === 'failover' || l.closedBy === 'routine');

/** Still a candidate for line selection: not closed, or closed by the routine (probed after its cool-down). */
export const selectable = (l: Pick<LineState, 'state' | 'closedBy'>) => l.state !== 'closed' || l.closedBy === 'routine';

/**
 * The line tier a contact's calls use: the first of its tags the strategy maps, else the default.
 * (Here, not beside the strategy's schema: the dry run's replay threads use it without loading zod.)
 */
export const lineTierFor = (strategy: Pick<Strategy, 'lineTier' | 'defaultLineTier'>, tags: readonly string[]) => tags.map((t) => strategy.lineTier[t]).find(Boolean) ?? strategy.defaultLineTier;

/** The order a call for `tier` tries tiers in: that tier, the tiers below it, then the ones above. */
export function tierRank(want: string, tier: string): number {
  const i = LINE_TIERS.indexOf(tier as LineTier);
  const w = Math.max(0, LINE_TIERS.indexOf(want as LineTier));
  return i >= w ? i - w : 10 + i;
}

/** The lines a call for `tier` tries, in order (stable by id within a tier). */
export function orderForTier<L extends Pick<LineState, 'id' | 'tier'>>(lines: readonly L[], tier: string): L[] {
  return [...lines].sort((a, b) => tierRank(tier, a.tier) - tierRank(tier, b.tier) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** What the lines look like with `lineId` taken out: is its tier left without a line in service, where its calls go now. */
export function coverageWithout(lines: readonly LineState[], lineId: string, tier: string) {
  const rest = lines.filter((l) => l.id !== lineId && inService(l));
  return {
    /** No other line in service anywhere: the last one. */
    lastInService: rest.length === 0,
    /** Its tier has no line in service: the tier's calls move to the next tier. */
    tierEmpty: !rest.some((l) => l.tier === tier),
    /** The line the tier's calls go to now (null: none in service). */
    trafficTo: orderForTier(rest, tier)[0] ?? null,
  };
}

/** A line's probes since it was taken out, judged by why it was: failures for failover, connect rate for the routine. */
export interface Probes {
  calls: number;
  failures: number;
  delivered: number;
  invalid: number;
}

/**
 * Every one of the last `probesToRecover` probes was clean: no carrier failure (failover's
 * hasRecovered), and for a line the routine closed for its connect rate, every call to a valid
 * number delivered.
 */
export function probesClean(closedBy: string | null, probes: Probes, probesToRecover: number): boolean {
  if (probes.calls !== probesToRecover || probes.failures > 0) return false;
  return closedBy !== 'routine' || probes.delivered === probes.calls - probes.invalid;
}
