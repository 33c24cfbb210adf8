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
  /** Share of call attempts whose carrier request failed that holds every cadence. */
  carrierFailureRate: number;
  /** CRM sync errors in the window that hold every cadence. */
  crmErrors: number;
  /** A held interface is probed this often, and heals after this many clean probes in a row. */
  probeEveryMs: number;
  probesToHeal: number;
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
  crmErrors: 20,
  probeEveryMs: 30_000,
  probesToHeal: 3,
};
