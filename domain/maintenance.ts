/** What a maintenance routine's check reports, and the rules the checks judge by. */

/** One check of a maintenance routine, as stored in maintenance_runs.results. */
export interface CheckResult {
  name: string;
  /** ok | attention (a finding someone should look at) | failed (the check itself could not run) | skipped */
  status: 'ok' | 'attention' | 'failed' | 'skipped';
  summary: string;
  detail?: unknown;
}

const withDetail = (detail: unknown) => (detail === undefined ? {} : { detail });
export const ok = (name: string, summary: string, detail?: unknown): CheckResult => ({ name, status: 'ok', summary, ...withDetail(detail) });
export const attention = (name: string, summary: string, detail?: unknown): CheckResult => ({ name, status: 'attention', summary, ...withDetail(detail) });
export const skipped = (name: string, summary: string): CheckResult => ({ name, status: 'skipped', summary });

/** A run's status is its worst check. */
export function runStatus(results: CheckResult[]): 'ok' | 'attention' | 'failed' {
  return results.some((x) => x.status === 'failed') ? 'failed' : results.some((x) => x.status === 'attention') ? 'attention' : 'ok';
}

/** Campaigns the routines run themselves; reports and reviews leave them out. */
export const SELF_CHECK_CAMPAIGN = '__selfcheck';
export const STRESS_CAMPAIGN = '__stress';

/**
 * Synthetic traffic: calls Redial places to test itself. It counts in no real rate, report or
 * alert, and judges no line or campaign (a self-check call closes no line; a stress test at peak
 * fails over none and opens no incident). Reports show it only when asked for it.
 */
export const SYNTHETIC_CAMPAIGNS: readonly string[] = [SELF_CHECK_CAMPAIGN, STRESS_CAMPAIGN];
export const isSynthetic = (campaignId: string) => SYNTHETIC_CAMPAIGNS.includes(campaignId);

/** A rate as people read it: 12.5%, or n/a when there was nothing to divide. */
export const pct = (r: number | null) => (r === null ? 'n/a' : `${Math.round(r * 1000) / 10}%`);
