/** When an incident opens and how it behaves (DESIGN.md "incidents"); one value, passed to the incident workflows. */
export interface IncidentPolicy {
  /** Connect rate is judged over finished calls of this window... */
  windowMs: number;
  /** ...and only with at least this many of them. */
  minCalls: number;
  /** Below this connect rate a campaign has an incident (DESIGN.md: 80%). */
  connectRateFloor: number;
  /** The campaign's CPS is multiplied by this (50 → 30). */
  cpsFactor: number;
  /** How long the lowered CPS is watched before the strategy is rolled back (default 1 h). */
  watchMs: number;
  /** How often the connect rate is looked at while watching. */
  checkEveryMs: number;
  /** Carrier API failures and CRM sync errors are counted over this window. */
  escalationWindowMs: number;
  /** Share of call attempts whose carrier request failed that holds every cadence (with at least `minCalls` of them). */
  carrierFailureRate: number;
  /**
   * Every line refusing every request is an outage, not a bad sample: with every create in the
   * window failed, on more than one line (or the only one), this many are enough to hold.
   */
  carrierOutageMinCalls: number;
  /** CRM sync errors in the window that hold every cadence. */
  crmErrors: number;
  /** A held interface is probed this often, and heals after this many clean probes in a row. */
  probeEveryMs: number;
  probesToHeal: number;
  /** The intelligent script is judged over speech turns of this window (since its last script incident closed)... */
  scriptWindowMs: number;
  /** ...with at least this many of them for the share of `unknown` turns to count... */
  scriptMinTurns: number;
  /** ...at or above which the campaign is switched to the basic script and its strategy rolled back. */
  scriptUnknownRate: number;
  /** Or: this many people in the window asked for a person right after a turn that was not understood. */
  scriptHumanAfterMisunderstanding: number;
}

export const defaultIncidentPolicy: IncidentPolicy = {
  windowMs: 30 * 60_000,
  minCalls: 20,
  connectRateFloor: 0.8,
  cpsFactor: 0.6,
  watchMs: 60 * 60_000,
  checkEveryMs: 5 * 60_000,
  escalationWindowMs: 5 * 60_000,
  carrierFailureRate: 0.5,
  carrierOutageMinCalls: 5,
  crmErrors: 20,
  probeEveryMs: 30_000,
  probesToHeal: 3,
  scriptWindowMs: 15 * 60_000,
  scriptMinTurns: 20,
  scriptUnknownRate: 0.4,
  scriptHumanAfterMisunderstanding: 5,
};

/** A campaign's speech turns in the window (db/queries/script.ts). */
export interface ScriptHealth {
  campaignId: string;
  turns: number;
  unknown: number;
  humanAfterMisunderstanding: number;
}

/** Is the campaign's intelligent script misbehaving? Too many turns not understood, or people asking for a person after one. */
export function scriptMisbehaving(h: ScriptHealth, p: IncidentPolicy): boolean {
  if (h.turns >= p.scriptMinTurns && h.unknown / h.turns >= p.scriptUnknownRate) return true;
  return h.humanAfterMisunderstanding >= p.scriptHumanAfterMisunderstanding;
}

/** Carrier creates (calls and texts) in the escalation window whose answer is known. */
export interface CarrierCreates {
  tried: number;
  /** Refused by the carrier's API (status carrier-failed). */
  failed: number;
  /** Distinct lines with a refused create, and lines not closed. */
  failedLines: number;
  openLines: number;
}

/**
 * Is the carrier's interface failing? Either the usual share over enough creates, or an outage:
 * every create failed, on at least two lines (or the only open one). One line failing alone is
 * failover's job (domain/failover.ts), not a reason to hold every cadence.
 */
export function carrierInterfaceFailing(c: CarrierCreates, p: IncidentPolicy): boolean {
  if (c.tried >= p.minCalls && c.failed / c.tried >= p.carrierFailureRate) return true;
  const acrossLines = c.failedLines >= Math.min(2, Math.max(1, c.openLines));
  return c.tried >= p.carrierOutageMinCalls && c.failed === c.tried && acrossLines;
}
